# SPDX-License-Identifier: MIT
# nanoacme - one GNU Makefile, no configure. Cross builds and packagers
# set CC, CFLAGS, LDFLAGS (and BEARSSL_CFLAGS/BEARSSL_LIBS for a BearSSL
# outside the sysroot); required flags come first so theirs still apply.

CFLAGS ?= -Os -g
LDFLAGS ?=
LDLIBS ?=
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
BEARSSL_CFLAGS ?=
BEARSSL_LIBS ?= -lbearssl

NA_CFLAGS = -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra $(BEARSSL_CFLAGS)

# STATIC=1: a static binary (meant for musl; see README).
ifeq ($(STATIC),1)
NA_CFLAGS += -ffunction-sections -fdata-sections
NA_LDFLAGS = -static -Wl,--gc-sections
endif

SRCS = acme.c certs.c cli.c http.c json.c jws.c pem.c store.c x509.c
OBJS = $(SRCS:.c=.o)

# The sanitizer build used by `make check` (unit tests and Pebble tests).
SAN = build/asan
SAN_CFLAGS = -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 \
	-fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all $(BEARSSL_CFLAGS)
TESTS = t_json t_jws t_pem t_http

all: nanoacme

nanoacme: $(OBJS)
	$(CC) $(NA_LDFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(BEARSSL_LIBS) $(LDLIBS)

%.o: %.c
	$(CC) $(NA_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Header dependencies, spelled out.
acme.o: acme.c acme.h certs.h config.h http.h json.h jws.h pem.h store.h x509.h
cli.o: cli.c acme.h config.h
certs.o: certs.c certs.h acme.h json.h config.h
http.o: http.c http.h config.h
json.o: json.c json.h config.h
jws.o: jws.c jws.h json.h config.h
pem.o: pem.c pem.h json.h config.h
store.o: store.c store.h
x509.o: x509.c x509.h pem.h json.h config.h

$(SAN)/%.o: %.c $(wildcard *.h)
	@mkdir -p $(SAN)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

$(SAN)/nanoacme: $(addprefix $(SAN)/,$(OBJS))
	$(CC) -fsanitize=address,undefined -o $@ $^ $(BEARSSL_LIBS)

# Each unit test links the module objects it covers (not acme.o/cli.o).
LIB_OBJS = $(addprefix $(SAN)/,http.o json.o jws.o pem.o store.o x509.o)
$(SAN)/%: tests/%.c tests/runner.h $(LIB_OBJS)
	$(CC) $(SAN_CFLAGS) -I. -o $@ $< $(LIB_OBJS) $(BEARSSL_LIBS)

# Installs what the tests need (apt-get, as root), then runs them all.
check:
	tests/deps.sh check
	$(MAKE) check-clang
	$(MAKE) check-unit
	$(MAKE) check-pebble
	$(MAKE) check-valgrind

# The code must stay warning-free with clang too.
check-clang:
	@for f in $(SRCS); do \
		clang -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
		$(BEARSSL_CFLAGS) -fsyntax-only $$f || exit 1; done
	@echo "clang -Wall -Wextra: clean"

check-unit: $(addprefix $(SAN)/,$(TESTS))
	@set -e; for t in $(TESTS); do echo "== $$t"; \
		(cd tests && ../$(SAN)/$$t); done

check-pebble: $(SAN)/nanoacme
	tests/pebble.sh $(SAN)/nanoacme

# Full issuances of the plain build under valgrind: no leak, no error.
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=all --errors-for-leak-kinds=all
check-valgrind: nanoacme
	NANOACME_WRAP="$(VALGRIND)" NANOACME_TIMEOUT=180 \
		PEBBLE_TESTS="one_name three_names failed_validation" \
		tests/pebble.sh ./nanoacme

demo:
	tests/deps.sh demo
	$(MAKE) nanoacme
	tests/demo.sh ./nanoacme

size: nanoacme
	@mkdir -p build && strip -o build/nanoacme.stripped nanoacme
	@echo "nanoacme (this build, stripped):" \
		"$$(wc -c < build/nanoacme.stripped) bytes"

install: nanoacme
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 nanoacme $(DESTDIR)$(BINDIR)/nanoacme

clean:
	rm -rf build $(OBJS) nanoacme demo-state

.PHONY: all check check-clang check-unit check-pebble check-valgrind demo size \
	install clean
