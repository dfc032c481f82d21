#include "extension/sql_args.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
}

// text[] -> palloc'd C strings (NULL elements rejected).
char** text_array_strings(ArrayType* array, int* count, const char* what) {
  Datum* elems;
  bool* nulls;
  deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, count);
  char** out = static_cast<char**>(palloc0(sizeof(char*) * (*count + 1)));
  for (int i = 0; i < *count; i++) {
    if (nulls[i])
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s must not contain NULL", what)));
    out[i] = TextDatumGetCString(elems[i]);
  }
  return out;
}
