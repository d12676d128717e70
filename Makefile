# selfheal - plain make; flags from pkg-config.
#   make            build bin/*
#   make check      build with -Werror, run the tests, then again under ASan+UBSan
#   make demo       run the pipeline on contrib/samples
#   make soak       the whole pipeline at a steady rate for SOAK_SECONDS (600):
#                   RSS and descriptors over time (bench/soak.sh)
#   make install    PREFIX=/usr/local DESTDIR=
.SUFFIXES:

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SHAREDIR ?= $(PREFIX)/share/selfheal
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/selfheal
CC       ?= cc
CFLAGS   ?= -O2 -g
PKG_CONFIG ?= pkg-config

# O is the object tree, B where programs go; SAN=1 builds with sanitizers.
O ?= build
B ?= bin

HS   := $(shell $(PKG_CONFIG) --exists libhs 2>/dev/null && echo libhs)
PKGS  = libpcre2-8 libcjson libcurl libnats $(HS)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
	-Isrc $(PKG_CFLAGS) -DSELFHEAL_VERSION='"$(VERSION)"' \
	-DSELFHEAL_RULESDIR='"$(SHAREDIR)/rules"'
ifneq ($(HS),)
override CFLAGS += -DHAVE_HYPERSCAN
endif
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
ifeq ($(FUZZ),1)
override CFLAGS += -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer
endif
ifeq ($(SAN),1)
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
endif
LDLIBS += $(PKG_LIBS) -lm

SRC   := $(wildcard src/*.c)
OBJ   := $(SRC:src/%.c=$(O)/src/%.o)
PROGS := $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
BINS  := $(PROGS:%=$(B)/%)
UNIT  := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/*.c))
LIB   := $(O)/libselfheal.a

all: $(BINS) $(UNIT)

$(O)/src/%.o: src/%.c src/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/cmd/%.o: cmd/%.c src/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(OBJ)
	@rm -f $@
	$(AR) rcs $@ $(OBJ)

$(B)/%: $(O)/cmd/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(O)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

$(O)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $< \
		$(LIB) $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory CC=clang FUZZ=1 O=build/fuzz \
		$(FUZZ_TARGETS:%=build/fuzz/%)

# libFuzzer targets for FUZZ_SECONDS each (make check runs them briefly)
fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

deps:
	@mk/deps.sh build

NPROC := $(shell nproc 2>/dev/null || echo 2)

check:
	@mk/deps.sh check
	@$(MAKE) --no-print-directory -j$(NPROC) WERROR=1 all
	@$(MAKE) --no-print-directory -j$(NPROC) WERROR=1 SAN=1 O=build/san \
		B=build/san/bin all
	@$(MAKE) --no-print-directory -j$(NPROC) fuzz-build
	@tests/run.sh bin build/san/bin

demo:
	@mk/deps.sh demo
	@$(MAKE) --no-print-directory all
	@contrib/demo.sh

bench:
	@mk/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bench/crashgrep.sh

bench-fly-tail:
	@mk/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bench/fly-tail-nats.sh

# the whole pipeline for SOAK_SECONDS at SOAK_RATE lines/s on loopback;
# fails unless memory and descriptors stay flat and nothing is lost
SOAK_SECONDS ?= 600
SOAK_RATE ?= 2000
soak:
	@mk/deps.sh bench
	@$(MAKE) --no-print-directory all
	@SOAK_SECONDS=$(SOAK_SECONDS) SOAK_RATE=$(SOAK_RATE) bench/soak.sh

lint-man:
	mandoc -Tlint -Wwarning man/*.[0-9]

# The programs find the rules in $(SHAREDIR)/rules, compiled into rules.o
# (besides <program dir>/../share/selfheal/rules): rebuild it when PREFIX
# or SHAREDIR changes, so an install never carries a stale path.
$(O)/sharedir.stamp: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(SHAREDIR)' | cmp -s - $@ 2>/dev/null || \
		printf '%s\n' '$(SHAREDIR)' >$@
$(O)/src/rules.o: $(O)/sharedir.stamp

MAN1 := $(wildcard man/*.1)
MAN5 := $(wildcard man/*.5)
MAN7 := $(wildcard man/*.7)
DOCS := README.md $(wildcard docs/*.md)

# programs, manual pages, rules, docs (with contrib/ as examples)
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/rules \
		$(DESTDIR)$(DOCDIR)/contrib
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 rules/*.rules $(DESTDIR)$(SHAREDIR)/rules/
	$(if $(MAN1),install -d $(DESTDIR)$(MANDIR)/man1 && \
		install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN5),install -d $(DESTDIR)$(MANDIR)/man5 && \
		install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN7),install -d $(DESTDIR)$(MANDIR)/man7 && \
		install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	cp -R contrib/. $(DESTDIR)$(DOCDIR)/contrib/

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(foreach s,1 5 7,$(MAN$(s):man/%=$(DESTDIR)$(MANDIR)/man$(s)/%))
	rm -rf $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build bin

.PHONY: all deps check demo bench bench-fly-tail soak fuzz fuzz-build lint-man install uninstall clean \
	FORCE
.SECONDARY:
