/* SPDX-License-Identifier: MIT */
/*
 * responder.c - the sandboxed challenge responder (see responder.h).
 *
 * Three processes, two pipes:
 *   parent (keys, state)  --cmd-->  zygote  --fork-->  responder
 *                         <--st---
 * The zygote is forked by main() before anything secret exists. When
 * asked, it forks one responder and waits for it; meanwhile the
 * responder reads the same cmd pipe and writes the same st pipe, so the
 * parent talks to whichever is alive, through one pair of pipes. When
 * the responder exits, the zygote reports how (frame 'X') and reads
 * commands again. Why a zygote rather than forking the responder from
 * the parent when it is needed: by then the parent holds the account
 * and certificate keys, and a fork copies them (heap, stack, freed
 * buffers): no wipe can be sure to catch every copy. Why not exec a
 * helper binary: one static file on the router, no path to trust.
 *
 * Records to the child: type byte, 2-byte big-endian length, payload
 * (at most REC_MAX bytes). Frames back: type, one byte, 4-byte
 * big-endian value; fixed size, so the parent reads and branches, it
 * parses nothing. A compromised responder can only lie with them: say
 * "ready" or "died"; it can make the run fail, nothing more.
 *
 * The sandbox, in this order, each step checked: bind while root; make
 * the tls-alpn-01 key (getrandom); look up --user; chdir into a fresh
 * mkdtemp() directory, remove it, chroot(".") (the root is then an
 * empty directory in which nothing can be created); setgroups,
 * setgid, setuid, and a check that setuid(0) now fails; no_new_privs;
 * the seccomp filter (allow-list, architecture checked, anything else
 * kills the process; open/openat fail with EACCES, because BearSSL may
 * try /dev/urandom). Not root: no chroot and no uid change, the rest
 * still applies. A kernel or emulator (qemu-user) without seccomp: the
 * rest still applies. Each missing step is a bit missing from the
 * "ready" frame, which the parent reports with -v.
 */
#include "responder.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bearssl.h>

#ifdef __linux__
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#endif

#include "ascii.h"
#include "alpn.h"
#include "config.h"
#include "fmt.h"
#include "listen.h"
#include "sockio.h"

/* 32-bit ids where the plain calls take 16-bit ones (arm, i386). */
#ifdef SYS_setresuid32
#define SYS_SETRESUID SYS_setresuid32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETGROUPS SYS_setgroups32
#else
#define SYS_SETRESUID SYS_setresuid
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETGROUPS SYS_setgroups
#endif

/* Payload of one record at most: a keyauth (token.thumbprint) fits. */
#define REC_MAX 512

/* Frames back to the parent (6 bytes: type, a, 4-byte b). */
#define FR_READY 'R'                       /* a: RESPONDER_* steps */
#define FR_FAIL  'E'                       /* a: enum responder_error,
                                              b: errno */
#define FR_ACK   'K'                       /* b: answers held */
#define FR_EXIT  'X'                       /* a: 0 exited, 1 signal;
                                              b: status or signal */
#define FRAME_LEN 6
#define FR_NONE  0x80000000u               /* FR_FAIL's b: no responder
                                              ran (the zygote's fork) */

/* How long the parent waits for a frame it asked for. */
#define RESPONDER_REPLY_MS 30000

/* ---- pipes (whole frames through fmt_write() and fmt_read()) ---------- */

/* Sends one status frame: type, a, and b big-endian. */
static int
send_frame(int fd, int type, unsigned a, uint32_t b)
{
	unsigned char f[FRAME_LEN] = { (unsigned char)type, (unsigned char)a,
		(unsigned char)(b >> 24), (unsigned char)(b >> 16),
		(unsigned char)(b >> 8), (unsigned char)b };

	return fmt_write(fd, f, sizeof(f));
}

/* One record: a type byte, a length, then the two payload parts. */
static int
send_record(int fd, int type, const void *p1, size_t n1, const void *p2,
    size_t n2)
{
	unsigned char rec[3 + REC_MAX];

	if (n1 > REC_MAX || n2 > REC_MAX - n1) {
		return -1;
	}
	rec[0] = (unsigned char)type;
	rec[1] = (unsigned char)((n1 + n2) >> 8);
	rec[2] = (unsigned char)(n1 + n2);
	if (n1 > 0) {
		memcpy(rec + 3, p1, n1);
	}
	if (n2 > 0) {
		memcpy(rec + 3 + n1, p2, n2);
	}
	/* one write of at most PIPE_BUF bytes: never interleaved */
	return fmt_write(fd, rec, 3 + n1 + n2);
}

/* Reads one record into buf[REC_MAX + 1] (NUL added). Returns its type,
 * or -1 at end of file. */
static int
read_record(int fd, char *buf, size_t *len)
{
	unsigned char h[3];

	if (fmt_read(fd, h, 3) < 0) {
		return -1;
	}
	*len = (size_t)h[1] << 8 | h[2];
	if (*len > REC_MAX || fmt_read(fd, buf, *len) < 0) {
		return -1;
	}
	buf[*len] = '\0';
	return h[0];
}

/* ---- the responder (child of the zygote) -------------------------------- */

/* What a responder is asked to be (filled by the zygote). */
struct spec {
	char http[REC_MAX + 1];
	char alpn[REC_MAX + 1];
	char user[REC_MAX + 1];
};

/* One http-01 answer, owned here (listen_token points into it). */
struct answer {
	char token[130];
	char keyauth[REC_MAX + 1];
};

/* Everything the responder serves; static, in the responder only. */
static struct served {
	struct listener http;
	struct listener alpn_lis;
	struct alpn_responder alpn;
	struct answer ans[ACME_MAX_NAMES];
	struct listen_token tok[ACME_MAX_NAMES];
	size_t nans;
	bool have_alpn;
} sv;

#ifdef SECCOMP_MODE_FILTER
/* Allow syscall nr (when this architecture has it). */
#define ALLOW(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

#if defined(__x86_64__) && !defined(__ILP32__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define SANDBOX_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && !defined(__ARMEB__)
#define SANDBOX_ARCH AUDIT_ARCH_ARM
#elif defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32
#if defined(__MIPSEL__)
#define SANDBOX_ARCH AUDIT_ARCH_MIPSEL
#else
#define SANDBOX_ARCH AUDIT_ARCH_MIPS
#endif
#endif
#endif

#ifdef SANDBOX_ARCH
/*
 * The allow-list: what the serving loop calls, in libc's spellings of
 * each architecture (musl and glibc pick poll or ppoll, clock_gettime
 * or its 64-bit-time form, recv as recvfrom, fcntl or fcntl64).
 * Anything else kills the process, except open/openat: EACCES (BearSSL
 * may try /dev/urandom; there is nothing to open in the chroot anyway).
 */
static const struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
	/* x32 system calls share the x86_64 architecture value */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
#ifdef SYS_poll
	ALLOW(SYS_poll),
#endif
#ifdef SYS_ppoll
	ALLOW(SYS_ppoll),
#endif
#ifdef SYS_ppoll_time64
	ALLOW(SYS_ppoll_time64),
#endif
#ifdef SYS_accept
	ALLOW(SYS_accept),
#endif
#ifdef SYS_accept4
	ALLOW(SYS_accept4),
#endif
#ifdef SYS_read
	ALLOW(SYS_read),
#endif
#ifdef SYS_recv
	ALLOW(SYS_recv),
#endif
#ifdef SYS_recvfrom
	ALLOW(SYS_recvfrom),
#endif
#ifdef SYS_write
	ALLOW(SYS_write),
#endif
#ifdef SYS_send
	ALLOW(SYS_send),
#endif
#ifdef SYS_sendto
	ALLOW(SYS_sendto),
#endif
#ifdef SYS_close
	ALLOW(SYS_close),
#endif
#ifdef SYS_fcntl
	ALLOW(SYS_fcntl),
#endif
#ifdef SYS_fcntl64
	ALLOW(SYS_fcntl64),
#endif
#ifdef SYS_clock_gettime
	ALLOW(SYS_clock_gettime),
#endif
#ifdef SYS_clock_gettime32
	ALLOW(SYS_clock_gettime32),
#endif
#ifdef SYS_clock_gettime64
	ALLOW(SYS_clock_gettime64),
#endif
#ifdef SYS_gettimeofday
	ALLOW(SYS_gettimeofday),
#endif
#ifdef SYS_time
	ALLOW(SYS_time),
#endif
#ifdef SYS_getrandom
	ALLOW(SYS_getrandom),
#endif
#ifdef SYS_exit
	ALLOW(SYS_exit),
#endif
#ifdef SYS_exit_group
	ALLOW(SYS_exit_group),
#endif
#ifdef SYS_rt_sigreturn
	ALLOW(SYS_rt_sigreturn),
#endif
#ifdef SYS_sigreturn
	ALLOW(SYS_sigreturn),
#endif
#ifdef SYS_open
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
#endif
#ifdef SYS_openat
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
#endif
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
};
#endif

/* What the environment said, read before the zygote wipes it. */
static bool under_valgrind, test_forbidden, test_nofork;

/*
 * The zygote keeps nothing of the parent's that a responder could leak
 * to a stranger on its connections: the environment (a hook's API
 * credentials) is zeroed and dropped, stdin, stdout and stderr point at
 * /dev/null. What it needs of the environment it reads first.
 */
static void
zygote_clean(int cmd, int st)
{
	extern char **environ;
	const char *pre = getenv("LD_PRELOAD");
	char **e;
	int fd, k;

	/* valgrind's preload library: see sandbox_seccomp() */
	under_valgrind = pre != NULL && ascii_find(pre, "/vgpreload_") != NULL;
	test_forbidden = getenv("NANOACME_TEST_FORBIDDEN") != NULL;
	test_nofork = getenv("NANOACME_TEST_NOFORK") != NULL;
	for (e = environ; e != NULL && *e != NULL; e++) {
		memset(*e, 0, strlen(*e));
	}
	environ = NULL;
	/* (a parent started with 0-2 closed may have its pipes there) */
	for (k = 0; k < 3 && (fd = open("/dev/null", O_RDWR)) >= 0; k++) {
		if (fd != k && k != cmd && k != st) {
			dup2(fd, k);
		}
		if (fd > 2) {
			close(fd);
		}
	}
}

/*
 * Installs the filter: RESPONDER_SECCOMP, or 0 if the system has none.
 * Not under valgrind (its preload library is in LD_PRELOAD): valgrind
 * runs its own system calls in our process, which the filter would
 * kill; `make check-valgrind` runs the rest of the sandbox.
 */
static unsigned
sandbox_seccomp(void)
{
#ifdef SANDBOX_ARCH
	struct sock_fprog prog = {
		(unsigned short)(sizeof(filter) / sizeof(filter[0])),
		(struct sock_filter *)filter
	};
	if (under_valgrind) {
		return 0;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) {
		return RESPONDER_SECCOMP;
	}
#endif
	return 0;
}

/* A decimal id of 1..10 digits below 2^32 - 1 in s[0..n). */
static int
parse_id(const char *s, size_t n, unsigned long long *v)
{
	return n > 10 ? -1 : fmt_dec(s, n, 0xfffffffeULL, v);
}

/*
 * The uid and gid of user in /etc/passwd (name:password:uid:gid:...).
 * Not getpwnam(): in a static musl build it links stdio and nscd, 6 KB;
 * the system users a router has (nobody, daemon) are in /etc/passwd.
 */
static int
passwd_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	static char buf[65536];
	const char *f[4], *p, *end, *e;
	size_t k, ulen = strlen(user);
	unsigned long long u, g;

	/* a longer file: the whole lines of its first 64 KB (fmt.h) */
	end = buf + fmt_read_lines("/etc/passwd", buf, sizeof(buf));
	for (p = buf; p < end; p = e + 1) {
		e = memchr(p, '\n', (size_t)(end - p));
		e = e != NULL ? e : end;
		for (f[0] = p, k = 1; k < 4; k++) {
			f[k] = memchr(f[k - 1], ':', (size_t)(e - f[k - 1]));
			if (f[k] == NULL) {
				break;
			}
			f[k]++;
		}
		if (k == 4 && (size_t)(f[1] - 1 - p) == ulen &&
		    memcmp(p, user, ulen) == 0) {
			e = memchr(f[3], ':', (size_t)(e - f[3]));
			if (e == NULL ||
			    parse_id(f[2], (size_t)(f[3] - 1 - f[2]), &u) < 0 ||
			    parse_id(f[3], (size_t)(e - f[3]), &g) < 0) {
				return -1;
			}
			*uid = (uid_t)u;
			*gid = (gid_t)g;
			return 0;
		}
	}
	return -1;
}

/*
 * Root only: chroot into an empty directory that no longer exists, then
 * become user. Raw system calls for the ids: libc's setuid() runs on
 * every thread (musl: __synccall, 1.5 KB); this process has one.
 * Sets *steps; returns 0, or -1 with *err and *e set.
 */
static int
sandbox_drop(const char *user, unsigned *steps, int *err, int *e)
{
	char dir[] = "/tmp/nanoacme-XXXXXX";
	uid_t uid;
	gid_t gid;

	if (passwd_lookup(user, &uid, &gid) != 0 || uid == 0) {
		*err = RESPONDER_EUSER;
		*e = 0;
		return -1;
	}
	/* best effort: a system without a writable /tmp keeps its root */
	if (mkdtemp(dir) != NULL) {
		if (chdir(dir) == 0 && rmdir(dir) == 0 && chroot(".") == 0 &&
		    chdir("/") == 0) {
			*steps |= RESPONDER_CHROOT;
		} else {
			(void)rmdir(dir);
		}
	}
	*err = RESPONDER_EDROP;
	if (syscall(SYS_SETGROUPS, 1, &gid) != 0 ||
	    syscall(SYS_SETRESGID, gid, gid, gid) != 0 ||
	    syscall(SYS_SETRESUID, uid, uid, uid) != 0) {
		*e = errno;
		return -1;
	}
	if (syscall(SYS_SETRESUID, 0, 0, 0) == 0 || getuid() != uid ||
	    geteuid() != uid || getgid() != gid || getegid() != gid) {
		*e = EPERM;
		return -1;
	}
	*steps |= RESPONDER_UID;
	return 0;
}

/* Applies one record from the parent. Returns 0, or -1 to stop. */
static int
serve_record(int cmd, int st)
{
	char buf[REC_MAX + 1];
	struct answer *an;
	size_t len, k;
	int type = read_record(cmd, buf, &len);

	switch (type) {
	case 'T':                          /* token NUL keyauth */
		k = strnlen(buf, len);
		an = &sv.ans[sv.nans];
		if (sv.nans == ACME_MAX_NAMES || k >= sizeof(an->token) ||
		    k == len) {
			return 0;
		}
		memcpy(an->token, buf, k + 1);
		memcpy(an->keyauth, buf + k + 1, len - k);
		sv.tok[sv.nans].token = an->token;
		sv.tok[sv.nans].keyauth = an->keyauth;
		sv.nans++;
		listen_set_tokens(&sv.http, sv.tok, sv.nans);
		return 0;
	case 'I':                          /* ident NUL digest[32] */
		k = strnlen(buf, len);
		if (sv.have_alpn && len == k + 1 + 32) {
			(void)alpn_add(&sv.alpn, buf,
			    (const unsigned char *)buf + k + 1);
		}
		return 0;
	case 'C':
		sv.nans = 0;
		listen_set_tokens(&sv.http, sv.tok, 0);
		alpn_reset(&sv.alpn);
		return 0;
	case 'S':
#ifdef NANOACME_TEST_HOOKS
		/* tests/sandbox.sh: a system call outside the list */
		if (test_forbidden) {
			(void)syscall(SYS_getppid);
		}
#endif
		/* every answer held: the parent checks it has them all */
		return send_frame(st, FR_ACK, 0, (uint32_t)(sv.nans +
		    sv.alpn.n));
	default:                           /* 'Q', end of file */
		return -1;
	}
}

/* The serving loop: the parent's pipe, the listener, the responder. */
static void
serve(int cmd, int st)
{
	struct pollfd pfd[1 + LISTEN_MAX_POLLFD + ALPN_MAX_POLLFD];
	size_t nh, na;
	int t;

	for (;;) {
		t = 1000;
		pfd[0].fd = cmd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		nh = listen_pollfds(&sv.http, pfd + 1, &t);
		na = sv.have_alpn ? alpn_pollfds(&sv.alpn, pfd + 1 + nh, &t) :
		    0;
		if (poll(pfd, (nfds_t)(1 + nh + na), t) < 0 &&
		    errno != EINTR) {
			return;
		}
		/* the parent's records first: a validator that connects at
		 * once finds its answer in place */
		if (pfd[0].revents != 0 && serve_record(cmd, st) < 0) {
			return;
		}
		listen_handle(&sv.http, pfd + 1);
		if (sv.have_alpn) {
			alpn_handle(&sv.alpn, pfd + 1 + nh);
		}
	}
}

/*
 * Ends the responder. Not _exit(): sanitizer builds hook it with system
 * calls (sigaltstack) that the filter forbids.
 */
static void
responder_exit(int code)
{
	for (;;) {
		(void)syscall(SYS_exit_group, code);
	}
}

/* The responder's life; never returns. */
static void
responder_main(const struct spec *sp, int cmd, int st)
{
	unsigned steps = 0;
	int err = RESPONDER_OK, e = 0;

	listen_init(&sv.http);
	listen_init(&sv.alpn_lis);
	if (sp->http[0] != '\0' && listen_open(&sv.http, sp->http) != 0) {
		err = RESPONDER_EHTTP;
		e = sv.http.detail;
	} else if (sp->alpn[0] != '\0' &&
	    listen_open(&sv.alpn_lis, sp->alpn) != 0) {
		err = RESPONDER_EALPN;
		e = sv.alpn_lis.detail;
	} else if (sp->alpn[0] != '\0' && alpn_init(&sv.alpn,
	    sv.alpn_lis.lfd, sv.alpn_lis.nlfd) != 0) {
		err = RESPONDER_EKEY;
		e = errno;
	} else {
		sv.have_alpn = sp->alpn[0] != '\0';
		if (geteuid() != 0 ||
		    sandbox_drop(sp->user[0] != '\0' ? sp->user : "nobody",
		    &steps, &err, &e) == 0) {
			err = RESPONDER_OK;
		}
	}
	if (err != RESPONDER_OK) {
		(void)send_frame(st, FR_FAIL, (unsigned)err, (uint32_t)e);
		responder_exit(1);
	}
	/* dies with the zygote: never an orphan holding port 80 or 443
	 * (after the uid change, which resets it) */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
		steps |= RESPONDER_NNP;
		steps |= sandbox_seccomp();
	}
	if (send_frame(st, FR_READY, steps, 0) == 0) {
		serve(cmd, st);
	}
	alpn_wipe(&sv.alpn);
	responder_exit(0);
}

/* ---- the zygote ---------------------------------------------------------- */

/*
 * Reports how pid ended. Returns 0 if it ended as planned (after 'Q',
 * or failing before it read any record), else -1: the cmd pipe may then
 * hold the rest of a record it was reading, which must not be taken
 * for commands, so the zygote ends too (the parent stops the run).
 */
static int
reap(pid_t pid, int st)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			(void)send_frame(st, FR_EXIT, 0, 255);
			return -1;
		}
	}
	if (WIFSIGNALED(status)) {
		(void)send_frame(st, FR_EXIT, 1, (uint32_t)WTERMSIG(status));
		return -1;
	}
	if (send_frame(st, FR_EXIT, 0, (uint32_t)WEXITSTATUS(status)) < 0) {
		return -1;
	}
	return WEXITSTATUS(status) <= 1 ? 0 : -1;
}

/* The zygote's life: one responder per 'G', until the pipe closes. */
static void
zygote_main(int cmd, int st)
{
	static struct spec sp;
	char buf[REC_MAX + 1];
	size_t len;
	pid_t pid;
	int type;

	while ((type = read_record(cmd, buf, &len)) >= 0) {
		if (type == 'H' || type == 'A' || type == 'U') {
			memcpy(type == 'H' ? sp.http : type == 'A' ? sp.alpn :
			    sp.user, buf, len + 1);
		} else if (type == 'G') {
			pid = fork();
#ifdef NANOACME_TEST_HOOKS
			/* tests/sandbox.sh: a fork that fails (EAGAIN) */
			if (test_nofork && pid >= 0) {
				pid == 0 ? _exit(0) : (void)waitpid(pid, NULL, 0);
				pid = -1;
				errno = EAGAIN;
			}
#endif
			if (pid == 0) {
				responder_main(&sp, cmd, st);
			}
			/* FR_NONE: no responder, so no exit report follows */
			if (pid < 0 ? send_frame(st, FR_FAIL, RESPONDER_ESTART,
			    FR_NONE | (uint32_t)errno) < 0 : reap(pid, st) < 0) {
				break;
			}
			memset(&sp, 0, sizeof(sp));
		}
		/* anything else: a record meant for a responder that died */
	}
	_exit(0);
}

/* ---- the parent's side ----------------------------------------------------- */

/* see responder.h */
int
responder_start(struct responder *z, const char *wipe)
{
	int cmd[2] = { -1, -1 }, st[2] = { -1, -1 };

	memset(z, 0, sizeof(*z));
	z->pid = -1;
	z->cmd = z->st = -1;
	if (pipe(cmd) != 0 || pipe(st) != 0 ||
	    (z->pid = fork()) < 0) {
		z->err = RESPONDER_ESTART;
		z->detail = errno;
		z->pid = -1;
		goto out;
	}
	if (z->pid == 0) {
		if (wipe != NULL) {
			/* our own copy-on-write page of argv */
			memset((char *)(uintptr_t)wipe, 0, strlen(wipe));
		}
		close(cmd[1]);
		close(st[0]);
		zygote_clean(cmd[0], st[1]);
		/* the parent handles these; a responder must not die of
		 * SIGPIPE mid-answer */
		signal(SIGPIPE, SIG_IGN);
		zygote_main(cmd[0], st[1]);
	}
	z->cmd = cmd[1];
	z->st = st[0];
	cmd[1] = st[0] = -1;
	(void)fcntl(z->cmd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(z->st, F_SETFD, FD_CLOEXEC);
	(void)fcntl(z->st, F_SETFL, O_NONBLOCK);
out:
	if (cmd[0] >= 0) {
		close(cmd[0]);
	}
	if (st[1] >= 0) {
		close(st[1]);
	}
	if (cmd[1] >= 0) {
		close(cmd[1]);
	}
	if (st[0] >= 0) {
		close(st[0]);
	}
	return z->err == RESPONDER_OK ? 0 : -1;
}

static int read_frame(struct responder *z, int ms, unsigned *a,
    uint32_t *b);

/*
 * Marks z as failed (sticky) and returns -1. A pipe that failed is
 * usually a responder that died: the zygote's report says how.
 */
static int
lost(struct responder *z, int err, int detail)
{
	unsigned a;
	uint32_t b;

	if (err == RESPONDER_ELOST && read_frame(z, 0, &a, &b) == FR_EXIT) {
		err = a == 1 ? RESPONDER_ESIGNAL : RESPONDER_EEXIT;
		detail = (int)(b & 0xff);
	}
	z->err = err;
	z->detail = detail;
	z->open = false;
	if (err != RESPONDER_ETIMEOUT) {
		z->broken = true;
	}
	return -1;
}

/*
 * Reads one frame, waiting up to ms (-1: forever). Returns its type,
 * 0 on timeout, or -1 (pipe closed: the zygote is gone).
 */
static int
read_frame(struct responder *z, int ms, unsigned *a, uint32_t *b)
{
	struct pollfd p = { z->st, POLLIN, 0 };
	unsigned char f[FRAME_LEN];
	long long end = sockio_now_ms() + ms;
	size_t got = 0;
	ssize_t n;
	int rc;

	/* z->st is non-blocking: a child that writes part of a frame and
	 * stops cannot hold the key-holding parent past the deadline */
	while (got < sizeof(f)) {
		rc = poll(&p, 1, ms < 0 ? -1 :
		    sockio_ms_until(end, sockio_now_ms()));
		if (rc < 0 && errno == EINTR) {
			continue;
		}
		if (rc <= 0) {
			return got > 0 ? -1 : rc;
		}
		n = read(z->st, f + got, sizeof(f) - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		got += (size_t)n;
	}
	*a = f[1];
	*b = (uint32_t)f[2] << 24 | (uint32_t)f[3] << 16 |
	    (uint32_t)f[4] << 8 | f[5];
	return f[0];
}

/* Handles a frame that says the responder ended or failed. */
static int
ended(struct responder *z, int type, unsigned a, uint32_t b)
{
	if (type == FR_FAIL) {
		/* the responder exits next: take the zygote's report */
		unsigned a2;
		uint32_t b2;

		if (!(b & FR_NONE)) {
			(void)read_frame(z, RESPONDER_REPLY_MS, &a2, &b2);
		}
		z->open = false;
		z->err = a >= RESPONDER_ESTART && a <= RESPONDER_EDROP ?
		    (int)a : RESPONDER_ELOST;
		z->detail = (int)(b & 0xffff);
		return -1;
	}
	if (type == FR_EXIT) {
		return lost(z, a == 1 ? RESPONDER_ESIGNAL : RESPONDER_EEXIT,
		    (int)(b & 0xff));
	}
	return lost(z, type == 0 ? RESPONDER_ETIMEOUT : RESPONDER_ELOST, 0);
}

/* see responder.h */
int
responder_open(struct responder *z, const char *http_spec,
    const char *alpn_spec, const char *user)
{
	unsigned a;
	uint32_t b;
	int type;

	if (z->pid < 0 || z->broken) {
		return -1;
	}
	if (user == NULL) {
		user = "nobody";
	}
	if ((http_spec != NULL && send_record(z->cmd, 'H', http_spec,
	    strlen(http_spec), NULL, 0) < 0) ||
	    (alpn_spec != NULL && send_record(z->cmd, 'A', alpn_spec,
	    strlen(alpn_spec), NULL, 0) < 0) ||
	    send_record(z->cmd, 'U', user, strlen(user), NULL, 0) < 0 ||
	    send_record(z->cmd, 'G', NULL, 0, NULL, 0) < 0) {
		return lost(z, RESPONDER_ELOST, errno);
	}
	type = read_frame(z, RESPONDER_REPLY_MS, &a, &b);
	if (type != FR_READY) {
		return ended(z, type, a, b);
	}
	z->open = true;
	z->sent = 0;
	z->sandbox = a & RESPONDER_ALL;
	z->err = RESPONDER_OK;
	return 0;
}

/* see responder.h */
int
responder_add(struct responder *z, const char *token, const char *keyauth,
    const char *ident)
{
	unsigned char d[32];
	br_sha256_context h;
	int rc;

	if (!z->open || strlen(token) >= REC_MAX / 2 ||
	    strlen(keyauth) >= REC_MAX / 2 ||
	    (ident != NULL && strlen(ident) >= REC_MAX / 2)) {
		return -1;
	}
	if (ident == NULL) {
		rc = send_record(z->cmd, 'T', token, strlen(token) + 1,
		    keyauth, strlen(keyauth));
	} else {
		/* RFC 8737 §3: the extension holds SHA-256(key auth) */
		br_sha256_init(&h);
		br_sha256_update(&h, keyauth, strlen(keyauth));
		br_sha256_out(&h, d);
		rc = send_record(z->cmd, 'I', ident, strlen(ident) + 1, d,
		    sizeof(d));
	}
	if (rc < 0) {
		return lost(z, RESPONDER_ELOST, errno);
	}
	z->sent++;
	return 0;
}

/* see responder.h */
int
responder_clear(struct responder *z)
{
	if (!z->open) {
		return -1;
	}
	if (send_record(z->cmd, 'C', NULL, 0, NULL, 0) < 0) {
		return lost(z, RESPONDER_ELOST, errno);
	}
	z->sent = 0;
	return 0;
}

/* see responder.h */
int
responder_sync(struct responder *z)
{
	unsigned a;
	uint32_t b;
	int type;

	if (!z->open) {
		return -1;
	}
	if (send_record(z->cmd, 'S', NULL, 0, NULL, 0) < 0) {
		return lost(z, RESPONDER_ELOST, errno);
	}
	type = read_frame(z, RESPONDER_REPLY_MS, &a, &b);
	if (type != FR_ACK) {
		return ended(z, type, a, b);
	}
	/* one it refused (too long, too many) would fail validation
	 * later, as a mystery: say so now */
	return b == z->sent ? 0 : lost(z, RESPONDER_ECOUNT, (int)(b & 0xffff));
}

/* see responder.h */
int
responder_wait(struct responder *z, long ms)
{
	unsigned a;
	uint32_t b;
	int type;

	if (!z->open) {
		return -1;
	}
	type = read_frame(z, ms > INT_MAX ? INT_MAX : (int)ms, &a, &b);
	if (type < 0) {
		return lost(z, RESPONDER_ELOST, 0);
	}
	return type == 0 ? 0 : ended(z, type, a, b);
}

/* see responder.h */
int
responder_close(struct responder *z)
{
	unsigned a;
	uint32_t b;
	int type;

	if (!z->open) {
		return 0;
	}
	z->open = false;
	if (send_record(z->cmd, 'Q', NULL, 0, NULL, 0) < 0) {
		return lost(z, RESPONDER_ELOST, errno);
	}
	type = read_frame(z, RESPONDER_REPLY_MS, &a, &b);
	if (type == FR_EXIT && a == 0 && b == 0) {
		return 0;
	}
	return ended(z, type, a, b);
}

/* see responder.h */
void
responder_end(struct responder *z)
{
	unsigned a;
	uint32_t b;
	int status;

	if (z->pid < 0) {
		return;
	}
	/* end of file on cmd ends the responder, then the zygote */
	close(z->cmd);
	if (read_frame(z, 2000, &a, &b) == FR_EXIT) {
		(void)read_frame(z, 2000, &a, &b);
	}
	close(z->st);
	/* a responder that will not go keeps the zygote waiting for it */
	if (waitpid(z->pid, &status, WNOHANG) == 0) {
		kill(z->pid, SIGKILL);
		(void)waitpid(z->pid, &status, 0);
	}
	z->pid = -1;
	z->cmd = z->st = -1;
	z->open = false;
}

/* see responder.h */
const char *
responder_strerror(const struct responder *z, char *buf, size_t cap)
{
	static const char *const msg[] = {
		"no error",
		"cannot start the challenge responder",
		"--user: no such user, or it is root",
		"cannot listen for http-01",
		"cannot listen for tls-alpn-01",
		"no entropy for the tls-alpn-01 key",
		"cannot drop privileges to --user",
		"the challenge responder was killed by signal",
		"the challenge responder exited with status",
		"the challenge responder is gone",
		"the challenge responder does not answer",
		"the challenge responder did not take every answer"
	};
	int e = z->err >= 0 && z->err <= RESPONDER_ECOUNT ? z->err :
	    RESPONDER_ELOST;

	if (e == RESPONDER_ESIGNAL) {
		fmt_s(buf, cap, "%s %d%s", msg[e], z->detail,
#ifdef SIGSYS
		    z->detail == SIGSYS ? " (SIGSYS: a system call outside "
		    "its sandbox)" :
#endif
		    "");
	} else if (e == RESPONDER_EEXIT) {
		fmt_s(buf, cap, "%s %d", msg[e], z->detail);
	} else if (e == RESPONDER_ECOUNT) {
		fmt_s(buf, cap, "%s: it holds %d of the %u sent", msg[e],
		    z->detail, z->sent);
	} else if (z->detail != 0 && e != RESPONDER_ELOST &&
	    e != RESPONDER_ETIMEOUT) {
		fmt_s(buf, cap, "%s: %s", msg[e], fmt_strerror(z->detail));
	} else {
		fmt_s(buf, cap, "%s", msg[e]);
	}
	return buf;
}
