// Reading SQL arguments in C functions (PostgreSQL zone).
#pragma once

#include "extension/pg.h"

extern "C" {
#include "utils/array.h"
}

// text[] -> palloc'd C strings; ERROR 22023 naming `what` for a NULL element.
char** text_array_strings(ArrayType* array, int* count, const char* what);
