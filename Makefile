# PGXS build of the mysql_sync extension (C++17) and the mysql-sync-binlog command.
EXTENSION   = mysql_sync
MODULE_big  = mysql_sync
EXTVERSION  = 0.2.0
# The install script of this version and the upgrade scripts from every earlier one.
DATA        = sql/mysql_sync--$(EXTVERSION).sql $(wildcard sql/mysql_sync--*--*.sql)

# Zones by folder: extension/ and bgworker/ are PostgreSQL code; the others are the C++ zone,
# which never includes a PostgreSQL header (CMakeLists.txt builds it without their path).
CXX_ZONE_DIRS = common binlog source ddl task
CXX_ZONE_OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard $(addsuffix /*.cpp,$(CXX_ZONE_DIRS)))))
OBJS        = $(patsubst %.cpp,%.o,$(sort $(wildcard extension/*.cpp bgworker/*.cpp))) $(CXX_ZONE_OBJS)

MARIADB_CFLAGS := $(shell mariadb_config --include)
MARIADB_LIBS   := $(shell mariadb_config --libs)

# -isystem silences warnings inside PostgreSQL's headers (they are not C++-clean under -Wextra).
# MYSQL_SYNC_VERSION: the catalog version this library runs tasks against (the launcher checks it).
PG_CPPFLAGS = -isystem $(includedir_server) $(MARIADB_CFLAGS) -I$(srcdir) -DMYSQL_SYNC_VERSION='"$(EXTVERSION)"'
# -MMD: PGXS tracks no header dependencies, and a stale object built against an older struct
# layout corrupts memory at run time. The .d files sit beside the objects.
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -pthread -MMD -MP
SHLIB_LINK  = -lstdc++ $(MARIADB_LIBS) -lzstd -lz -pthread

CLI = mysql-sync-binlog
EXTRA_CLEAN = $(CLI) binlog/tools/*.o $(OBJS:.o=.d) binlog/tools/*.d

REGRESS      = $(patsubst regress/sql/%.sql,%,$(sort $(wildcard regress/sql/*.sql)))
REGRESS_OPTS = --inputdir=regress --outputdir=regress/out --load-extension=mysql_sync
TAP_TESTS    = 1
PROVE_TESTS  = regress/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS also emits LLVM bitcode with clang, which ignores PG_CXXFLAGS.
BITCODE_CXXFLAGS += -std=c++17

-include $(OBJS:.o=.d) binlog/tools/mysql_sync_binlog.d

all: $(CLI)

$(CLI): binlog/tools/mysql_sync_binlog.o $(CXX_ZONE_OBJS)
	$(CXX) $(CXXFLAGS) -o $@ $^ $(LDFLAGS) -lstdc++ $(MARIADB_LIBS) -lzstd -lz -pthread

install: install-cli
install-cli: $(CLI)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(CLI) '$(DESTDIR)$(bindir)/$(CLI)'
uninstall: uninstall-cli
uninstall-cli:
	rm -f '$(DESTDIR)$(bindir)/$(CLI)'
.PHONY: install-cli uninstall-cli

# The PGXN release bundle (pgxn install unpacks it and runs make, make install): the committed tree.
DISTDIR ?= .
dist:
	git archive --format zip --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(DISTDIR)/$(EXTENSION)-$(EXTVERSION).zip HEAD
.PHONY: dist
