// The pure C++ zone (common/, binlog/, source/, ddl/, task/) never calls PostgreSQL. Every header
// there includes this one, so a translation unit that included postgres.h first fails to compile
// (PostgreSQL's macros for snprintf, palloc and its longjmp-based errors must not leak into RAII
// code).
#pragma once

#ifdef POSTGRES_H
#define MYSQL_SYNC_POSTGRES_SEEN true
#else
#define MYSQL_SYNC_POSTGRES_SEEN false
#endif
static_assert(!MYSQL_SYNC_POSTGRES_SEEN,
              "C++-zone headers (common/ binlog/ source/ ddl/ task/) must be included before postgres.h");
#undef MYSQL_SYNC_POSTGRES_SEEN
