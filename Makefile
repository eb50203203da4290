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

# Size flags: sections the linker can drop, no unwind tables (C needs
# none), no build-id note, RELRO page or code/data page split (norelro
# and noseparate-code save 7-8 KB on x86_64, ~40 KB on aarch64).
SIZE_CFLAGS = -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
# common-page-size=64: GNU ld may start the data segment on a fresh page
# to save one page of memory for the bss, padding the file by up to 4 KB
# (measured: 1.8 KB on x86_64); a 64-byte "page" keeps it packed.
# --sort-section=alignment: less padding between sections (184 bytes).
SIZE_LDFLAGS = -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,norelro \
	-Wl,-z,noseparate-code -Wl,-z,common-page-size=64 \
	-Wl,--sort-section=alignment

# STATIC=1: a static binary (meant for musl; see README).
ifeq ($(STATIC),1)
NA_CFLAGS += $(SIZE_CFLAGS)
NA_LDFLAGS = -static $(SIZE_LDFLAGS)
endif

SRCS = acme.c acmeobj.c alpn.c certs.c cli.c fmt.c http.c json.c jws.c pem.c store.c tacache.c x509.c
SRCS += chain.c cmd.c list.c proc.c proof.c state.c trust.c
SRCS += dns.c dnsrec.c tlsip.c
SRCS += listen.c responder.c tls.c
OBJS = $(SRCS:.c=.o)

# The sanitizer build used by `make check` (unit tests and Pebble tests).
SAN = build/asan
SAN_CFLAGS = -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 \
	-fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all $(BEARSSL_CFLAGS)
# Test builds only: acme.c's test_env() (tests/anchors.sh).
SAN_CFLAGS += -DNANOACME_TEST_HOOKS
TESTS = t_json t_jws t_pem t_http t_roots t_certs t_tacache
TESTS += t_dns t_dnsrec
TESTS += t_cli t_store
TESTS += t_alpn t_acmeobj
TESTS += t_responder

all: nanoacme

nanoacme: $(OBJS)
	$(CC) $(NA_LDFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(BEARSSL_LIBS) $(LDLIBS)

%.o: %.c
	$(CC) $(NA_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Header dependencies, spelled out.
RUN_H = run.h acme.h acmeobj.h responder.h certs.h dns.h dnsrec.h fmt.h config.h http.h json.h jws.h pem.h store.h tacache.h x509.h
acme.o: acme.c $(RUN_H)
chain.o: chain.c $(RUN_H)
cmd.o: cmd.c $(RUN_H)
list.o: list.c $(RUN_H)
proc.o: proc.c $(RUN_H)
proof.o: proof.c $(RUN_H)
state.o: state.c $(RUN_H)
trust.o: trust.c $(RUN_H) roots.h
alpn.o: alpn.c alpn.h ascii.h config.h fmt.h pem.h json.h sockio.h tls.h
listen.o: listen.c listen.h ascii.h config.h fmt.h sockio.h
responder.o: responder.c responder.h alpn.h config.h fmt.h listen.h pem.h json.h sockio.h
tls.o: tls.c tls.h
cli.o: cli.c acme.h config.h fmt.h
fmt.o: fmt.c fmt.h
certs.o: certs.c certs.h acme.h fmt.h json.h config.h pem.h
http.o: http.c http.h ascii.h config.h fmt.h sockio.h tls.h tlsip.h
tlsip.o: tlsip.c tlsip.h x509.h pem.h
json.o: json.c json.h config.h fmt.h
jws.o: jws.c jws.h json.h config.h fmt.h
pem.o: pem.c pem.h json.h config.h fmt.h
store.o: store.c store.h fmt.h
tacache.o: tacache.c tacache.h x509.h pem.h json.h config.h fmt.h store.h
x509.o: x509.c x509.h pem.h json.h config.h fmt.h
dns.o: dns.c dns.h
dns.o: ascii.h config.h fmt.h pem.h sockio.h
listen.o: dns.h
dnsrec.o: dnsrec.c dnsrec.h jws.h json.h config.h fmt.h
acmeobj.o: acmeobj.c acmeobj.h acme.h ascii.h certs.h config.h fmt.h http.h json.h jws.h pem.h

$(SAN)/%.o: %.c $(wildcard *.h)
	@mkdir -p $(SAN)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

$(SAN)/nanoacme: $(addprefix $(SAN)/,$(OBJS))
	$(CC) -fsanitize=address,undefined -o $@ $^ $(BEARSSL_LIBS)

# Each unit test links the module objects it covers (not acme.o: main).
LIB_OBJS = $(addprefix $(SAN)/,certs.o fmt.o http.o json.o jws.o pem.o store.o tacache.o x509.o)
LIB_OBJS += $(SAN)/dns.o $(SAN)/dnsrec.o $(SAN)/tlsip.o
LIB_OBJS += $(SAN)/cli.o $(SAN)/acmeobj.o
LIB_OBJS += $(SAN)/alpn.o $(SAN)/listen.o $(SAN)/tls.o
LIB_OBJS += $(SAN)/responder.o
$(SAN)/%: tests/%.c tests/runner.h tests/testutil.h $(LIB_OBJS)
	$(CC) $(SAN_CFLAGS) -I. -o $@ $< $(LIB_OBJS) $(BEARSSL_LIBS)

# Installs what the tests need (apt-get, as root), then runs them all.
check:
	tests/deps.sh check
	$(MAKE) check-clang check-roots
	$(MAKE) check-unit
	$(MAKE) $(FLEET)/fleet
	$(MAKE) check-dns
	$(MAKE) check-fuzz
	$(MAKE) check-pebble
	$(MAKE) check-pebble24
	$(MAKE) check-hostile
	$(MAKE) check-listener
	$(MAKE) check-sandbox
	$(MAKE) check-powerloss
	$(MAKE) check-statedir
	$(MAKE) check-lifecycle
	$(MAKE) check-modes
	$(MAKE) check-openwrt
	$(MAKE) check-double
	$(MAKE) check-anchors
	$(MAKE) check-ca2026
	$(MAKE) check-dnsproof
	$(MAKE) check-smallstep
	$(MAKE) check-everyday
	$(MAKE) check-firstboot
	$(MAKE) check-valgrind
	$(MAKE) check-static
	$(MAKE) size

# roots.h: Let's Encrypt's roots, built in for its directories, taken
# from Debian's ca-certificates by build-aux/mkroots.c. `make roots`
# writes it; `make check-roots` fails if the committed one differs.
ROOTS_PEM = /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt \
	/usr/share/ca-certificates/mozilla/ISRG_Root_X2.crt
build/mkroots: build-aux/mkroots.c x509.c pem.c json.c store.c fmt.c
	@mkdir -p build
	$(CC) $(NA_CFLAGS) -I. -o $@ $^ $(BEARSSL_LIBS)

roots: build/mkroots
	build/mkroots $(ROOTS_PEM) > roots.h

check-roots: build/mkroots
	build/mkroots $(ROOTS_PEM) > build/roots.h
	cmp build/roots.h roots.h

# The code must stay warning-free with clang too.
check-clang:
	@for f in $(SRCS); do \
		clang -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
		$(BEARSSL_CFLAGS) -fsyntax-only $$f || exit 1; done
	@echo "clang -Wall -Wextra: clean"

check-unit: $(addprefix $(SAN)/,$(TESTS))
	@set -e; for t in $(TESTS); do echo "== $$t"; \
		(cd tests && ../$(SAN)/$$t); done

# dns_txt_lookup() against a real server: pebble-challtestsrv's mock DNS.
.PHONY: check-dns
check-dns: $(SAN)/t_dns
	tests/dns-live.sh $(SAN)/t_dns

# The suites, tests/NAME.sh, each run by `make check-NAME` against real
# servers on 127.0.0.1/::1 (each file's head says what it covers):
#   pebble     issuance end to end (check-pebble24: on bookworm's 2.4)
#   lifecycle  renew, list, revoke, account, due rule, hooks, jitter, lock
#   modes      webroot, challenge hook, tls-alpn-01, IP addresses, EAB,
#              alternate chains, --csr, --profile
#   dnsproof   dns-persist-01, dns-account-01 through a hook, a renew of
#              mixed settings (Pebble 2.10 and its mock DNS)
#   everyday   staging then production, settings of an issue that is not
#              due, $SSL_CERT_FILE remembered, renew NAME
#   smallstep  a smallstep CA (Caddy's acme_server) reached by IP address
#   double     profile and ARI cases no Pebble offers (tests/acme-double.py)
#   ca2026     profiles and ARI on real Pebble 2.10
#   anchors    the anchor cache in STATE/anchors, the roots fallback
#   sandbox    the responders' sandbox as root: uid, no_new_privs,
#              seccomp, chroot, no key in memory, --user
#   powerloss  kill -9 at many points, a full disk, a read-only state
#   statedir   a state directory someone else made: refused before use
# with the sanitizer build; with short timeouts (the SHORT build):
#   hostile    a hostile ACME server (tests/hostile.py): exit codes,
#              messages, time bounds, state untouched
#   listener   the http-01 listener flooded and probed mid-validation
# and with the plain build:
#   openwrt    the acme-common hook, cron, uhttpd and NTP glue under
#              busybox ash, busybox crond and lighttpd; the package
#   firstboot  no real-time clock (faked with libfaketime, which ASan
#              does not allow) and an uplink that comes up late
SAN_SUITES = pebble lifecycle modes dnsproof everyday smallstep double \
	ca2026 anchors sandbox powerloss statedir
SHORT_SUITES = hostile listener
PLAIN_SUITES = openwrt firstboot
.PHONY: $(addprefix check-,$(SAN_SUITES) $(SHORT_SUITES) $(PLAIN_SUITES))
$(addprefix check-,$(SAN_SUITES)): check-%: $(SAN)/nanoacme
	tests/$*.sh $(SAN)/nanoacme
# sandbox's env_wiped looks at a build without ASan's copy of the env
check-sandbox: nanoacme
$(addprefix check-,$(PLAIN_SUITES)): check-%: nanoacme
	tests/$*.sh ./nanoacme

# The same on Debian bookworm's Pebble 2.4 (the suites use testing's 2.10).
.PHONY: check-pebble24
check-pebble24: $(SAN)/nanoacme
	PEBBLE_BIN=/usr/bin/pebble CHALLTESTSRV_BIN=/usr/bin/pebble-challtestsrv \
		tests/pebble.sh $(SAN)/nanoacme

# Full issuances of the plain build under valgrind: no leak, no error.
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=all --errors-for-leak-kinds=all
check-valgrind: nanoacme
	NANOACME_WRAP="$(VALGRIND)" NANOACME_TIMEOUT=180 \
		PEBBLE_TESTS="one_name three_names failed_validation" \
		tests/pebble.sh ./nanoacme

# bench/fleet.c: a million routers renewing from cron against one CA,
# with certs.o's due-time, jitter and ARI-window code: the CA's requests
# per second over a month. A benchmark: it prints and asserts nothing,
# so check only builds it. FLEET_ARGS=-p adds the proposed changes.
FLEET = build/fleet
FLEET_OBJS = $(addprefix $(FLEET)/,certs.o fmt.o json.o pem.o)
$(FLEET)/%.o: %.c $(wildcard *.h)
	@mkdir -p $(FLEET)
	$(CC) $(NA_CFLAGS) -Werror -O2 -c -o $@ $<

$(FLEET)/fleet: bench/fleet.c $(FLEET_OBJS)
	$(CC) $(NA_CFLAGS) -Werror -O2 -I. -o $@ $^ $(BEARSSL_LIBS)

.PHONY: fleet
fleet: $(FLEET)/fleet
	$(FLEET)/fleet $(FLEET_ARGS)

# --- Fuzzing: clang's libFuzzer over every parser of hostile input ------
# build/fuzz/fuzz_NAME for each fuzz/fuzz_NAME.c, linked with the modules
# under ASan+UBSan. `make fuzz` runs each for FUZZ_TIME seconds, growing
# build/fuzz/corpus-NAME; `make check-fuzz` runs the regression unit
# tests, then replays the committed corpus fuzz/corpus/NAME (seeds and
# the regress-* inputs of fixed bugs) and fuzzes FUZZ_CHECK_TIME seconds.
FUZZ = build/fuzz
FUZZ_TARGETS = fuzz_http fuzz_json fuzz_pem fuzz_x509 fuzz_request fuzz_names \
	fuzz_certs
FUZZ_TARGETS += fuzz_dns
FUZZ_TARGETS += fuzz_alpn
FUZZ_TARGETS += fuzz_acmeobj
FUZZ_TARGETS += fuzz_addr
FUZZ_TIME ?= 60
FUZZ_CHECK_TIME ?= 4
FUZZ_CFLAGS = -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 \
	-fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all $(BEARSSL_CFLAGS)
FUZZ_OBJS = $(addprefix $(FUZZ)/,certs.o fmt.o http.o json.o jws.o pem.o tlsip.o x509.o)
FUZZ_OBJS += $(FUZZ)/dns.o $(FUZZ)/acmeobj.o
FUZZ_OBJS += $(FUZZ)/alpn.o $(FUZZ)/listen.o $(FUZZ)/tls.o
.SECONDARY: $(FUZZ_OBJS)

$(FUZZ)/%.o: %.c $(wildcard *.h)
	@mkdir -p $(FUZZ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ)/fuzz_%: fuzz/fuzz_%.c tests/testutil.h $(FUZZ_OBJS)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -I. -o $@ $< $(FUZZ_OBJS) \
		$(BEARSSL_LIBS)

.PHONY: fuzz check-fuzz
fuzz: $(addprefix $(FUZZ)/,$(FUZZ_TARGETS))
	fuzz/run.sh $(FUZZ) $(FUZZ_TIME) grow $(FUZZ_TARGETS)

check-fuzz: $(SAN)/t_regress $(addprefix $(FUZZ)/,$(FUZZ_TARGETS))
	(cd tests && ../$(SAN)/t_regress)
	fuzz/run.sh $(FUZZ) $(FUZZ_CHECK_TIME) check $(FUZZ_TARGETS)

# The sanitizer build with short timeouts of the abuse tests, so that a
# stalling server or client costs seconds, not minutes.
SHORT = build/short
SHORT_CPPFLAGS = -DHTTP_CONNECT_TIMEOUT_MS=2000 -DHTTP_IO_TIMEOUT_MS=2000 \
	-DHTTP_REQUEST_TIMEOUT_MS=4000 -DLISTEN_CONN_TIMEOUT_MS=2000 \
	-DACME_POLL_TOTAL_S=5 -DACME_POLL_MAX_MS=500 -DACME_POLL_RETRY_AFTER_MAX_S=1

$(SHORT)/%.o: %.c $(wildcard *.h)
	@mkdir -p $(SHORT)
	$(CC) $(SAN_CFLAGS) $(SHORT_CPPFLAGS) -c -o $@ $<

$(SHORT)/nanoacme: $(addprefix $(SHORT)/,$(OBJS))
	$(CC) -fsanitize=address,undefined -o $@ $^ $(BEARSSL_LIBS)

# after SHORT's definition: a rule's prerequisites are expanded as read
$(addprefix check-,$(SHORT_SUITES)): check-%: $(SHORT)/nanoacme
	tests/$*.sh $(SHORT)/nanoacme

demo:
	tests/deps.sh demo
	$(MAKE) nanoacme
	tests/demo.sh ./nanoacme

# --- Static musl builds: make static [ARCH=x86_64|mipsel|aarch64] ----------
# build/ARCH/nanoacme, static and stripped, against musl and Debian's
# libbearssl.a, built by Debian's ARCH-linux-gnu-gcc with musl's specs file.
# build-aux/sysroot.sh makes build/sysroot/ARCH (x86_64: links to the host's
# musl-tools and libbearssl-dev; mipsel, aarch64: the target's debs unpacked,
# no multiarch): its usr/include holds only BearSSL and jsmn headers, so -I
# on it lets no glibc header into a musl build. musl_chk.c supplies the
# fortify calls of Debian's libbearssl.a. The objects are not PIE: a -static
# link is not either.
ARCH ?= x86_64
STATIC_ARCHS = x86_64 mipsel aarch64
# Our objects are compiled and linked with link-time optimisation: one
# program, so calls across files inline and dead code goes (measured:
# 2.8 KB on x86_64, 8 KB on mipsel). BearSSL's objects too, at its own
# -Os (1.3 KB more on x86_64): the archive is then made with gcc-ar.
# One partition: calls inline across the whole program (0.8 KB).
STATIC_LTO = -flto -flto-partition=none
BEARSSL_LTO = $(STATIC_LTO)
# -Oz (GCC 12): smaller than -Os by 2.6 KB on x86_64, for our code only
# (I/O-bound; BearSSL's arithmetic keeps its -Os).
STATIC_OPT = -Oz
# Stripped size budgets in KiB, enforced by make size (and so make check).
STATIC_BUDGETS = x86_64:200 mipsel:248 aarch64:224
SB = build/$(ARCH)
SYSROOT = $(CURDIR)/build/sysroot/$(ARCH)
CROSS = $(if $(filter $(ARCH),$(STATIC_ARCHS)),$(ARCH)-linux-gnu-,$(error \
	ARCH=$(ARCH): make static knows $(STATIC_ARCHS)))
STATIC_CC = $(CROSS)gcc -specs $(SYSROOT)/musl-gcc.specs
# mipsel: -mplt makes our objects call directly instead of through the GOT
# (an executable needs no PIC): 8 KB less, and links cleanly with the PIC
# libbearssl.a, unlike -mno-abicalls.
STATIC_CFLAGS_mipsel = -mplt

static: $(SB)/nanoacme

$(SYSROOT)/versions: build-aux/sysroot.sh
	build-aux/sysroot.sh $(ARCH) $(SYSROOT)

$(SB)/%.o: %.c $(wildcard *.h) | $(SYSROOT)/versions
	@mkdir -p $(SB)
	$(STATIC_CC) $(NA_CFLAGS) $(STATIC_OPT) $(STATIC_LTO) $(SIZE_CFLAGS) -fno-pie \
		$(STATIC_CFLAGS_$(ARCH)) -I$(SYSROOT)/usr/include -c -o $@ $<

# responder.c's seccomp filter: <linux/seccomp.h>, <linux/filter.h> and
# <linux/audit.h>, which the musl sysroot lacks. The host's uapi headers
# serve every ARCH (their constants are the same everywhere; asm/ is the
# generic one, and syscall numbers come from musl's <sys/syscall.h>).
$(SB)/kinc/linux:
	@mkdir -p $(SB)/kinc
	ln -sfn /usr/include/linux $(SB)/kinc/linux
	ln -sfn /usr/include/asm-generic $(SB)/kinc/asm-generic
	ln -sfn /usr/include/asm-generic $(SB)/kinc/asm
$(SB)/responder.o: STATIC_CFLAGS_$(ARCH) += -idirafter $(SB)/kinc
$(SB)/responder.o: | $(SB)/kinc/linux

# BearSSL from Debian's source package (build-aux/bearssl-src.sh), compiled
# like our own code: -Os, sections, no unwind tables, no PIC. Debian's
# libbearssl.a is -O2 and PIC on mipsel: 5 KB more on x86_64, 17 KB more
# on mipsel, which the size budgets have no room for.
BEARSSL_SRC = build/bearssl-src

$(BEARSSL_SRC)/version: build-aux/bearssl-src.sh
	build-aux/bearssl-src.sh $(BEARSSL_SRC)

$(SB)/libbearssl.a: $(BEARSSL_SRC)/version | $(SYSROOT)/versions
	@rm -rf $(SB)/bearssl && mkdir -p $(SB)/bearssl
	@echo "compiling BearSSL for $(ARCH)"
	@cd $(BEARSSL_SRC) && ls src/*/*.c | xargs -P 2 -I{} sh -c \
		'$(STATIC_CC) -Os $(BEARSSL_LTO) $(SIZE_CFLAGS) -fno-pie \
		$(STATIC_CFLAGS_$(ARCH)) \
		-Iinc -Isrc -c {} -o $(CURDIR)/$(SB)/bearssl/$$(echo {} | \
		tr / _).o' || exit 1
	$(CROSS)gcc-ar rcs $@ $(SB)/bearssl/*.o

$(SB)/nanoacme.elf: $(addprefix $(SB)/,$(OBJS) musl_chk.o) $(SB)/libbearssl.a
	$(STATIC_CC) -static $(SIZE_LDFLAGS) $(STATIC_LTO) $(STATIC_OPT) \
		$(STATIC_CFLAGS_$(ARCH)) -o $@ $^

$(SB)/nanoacme: $(SB)/nanoacme.elf
	$(CROSS)strip -R .comment -o $@ $<

$(SB)/t_musl_chk: tests/t_musl_chk.c tests/runner.h $(SB)/musl_chk.o
	$(STATIC_CC) $(NA_CFLAGS) -Werror -fno-builtin -static -o $@ $< \
		$(SB)/musl_chk.o

# The shipped binaries against Pebble, the same tests: the static x86_64
# build natively, the router builds under qemu-user (qemu-user-static).
check-static:
	$(MAKE) static build/x86_64/t_musl_chk ARCH=x86_64
	$(MAKE) static build/mipsel/t_musl_chk ARCH=mipsel
	$(MAKE) static build/aarch64/t_musl_chk ARCH=aarch64
	build/x86_64/t_musl_chk
	qemu-mipsel-static build/mipsel/t_musl_chk
	qemu-aarch64-static build/aarch64/t_musl_chk
	tests/pebble.sh build/x86_64/nanoacme
	NANOACME_WRAP=qemu-mipsel-static NANOACME_TIMEOUT=120 \
		tests/pebble.sh build/mipsel/nanoacme
	NANOACME_WRAP=qemu-aarch64-static NANOACME_TIMEOUT=120 \
		tests/pebble.sh build/aarch64/nanoacme

# The stripped size of each static build against its budget; fails if one
# is over.
size:
	@for a in $(STATIC_ARCHS); do \
		$(MAKE) --no-print-directory static ARCH=$$a || exit 1; done
	@echo "static nanoacme, stripped:"; over=0; \
	for b in $(STATIC_BUDGETS); do a=$${b%%:*}; kib=$${b#*:}; \
		n=$$(wc -c < build/$$a/nanoacme); t=$$((n * 10 / 1024)); v=ok; \
		if [ $$n -gt $$((kib * 1024)) ]; then v=OVER; over=1; fi; \
		printf '  %-8s %7d bytes %4d.%d KiB  (budget %d KiB) %s\n' \
			$$a $$n $$((t / 10)) $$((t % 10)) $$kib $$v; done; \
	[ $$over -eq 0 ]

MANDIR ?= $(PREFIX)/share/man

install: nanoacme
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 nanoacme $(DESTDIR)$(BINDIR)/nanoacme
	install -m 0644 nanoacme.1 $(DESTDIR)$(MANDIR)/man1/nanoacme.1

clean:
	rm -rf build $(OBJS) nanoacme demo-state

.PHONY: all roots check-roots check check-clang check-firstboot check-unit check-pebble check-double check-valgrind demo size \
	install clean static check-static
