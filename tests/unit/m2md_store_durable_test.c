// SPDX-License-Identifier: GPL-2.0
/*
 * Durability of m2md's state database. A child process adds
 * contentInstances from 8 threads and reports each acknowledged one
 * through a pipe. The parent kills it with SIGKILL at different moments
 * and checks, after reopening, that every acknowledged instance is there
 * with its exact content and that nothing is half-written. Also: the
 * durable create rate (printed, not asserted), memory over a million
 * reads, and -EIO with no change on a full disk or read-only directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>

#include "m2md_test.h"
#include "store.h"

#define THREADS		8
#define KILL_ROUNDS	5
#define ACKED_MAX	200000
#define COLL		"/k/ci"

/*
 * ASan keeps freed blocks in a quarantine of 256 MiB by default, which
 * would look like growth in the memory check. A small quarantine still
 * catches uses after free of recent blocks.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=4";
}

static char dir[64];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct m2md_store *open_store(const char *where)
{
	struct m2md_store *st = NULL;
	char err[256] = "";

	CHECK(m2md_store_open(where, &st, err, sizeof(err)) == 0,
	      "store opens in %s: %s", where, err);
	if (!st)
		exit(2);
	return st;
}

static void fill_res(struct m2md_resource *r, const char *parent,
		     const char *type, const char *name, int64_t created)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s/%s", parent, name);
	snprintf(r->parent, sizeof(r->parent), "%s", parent);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->created = created;
	r->modified = created;
}

/* The content of an instance: its name repeated to a length it picks. */
static size_t content_of(const char *name, char *buf, size_t size)
{
	size_t n = strlen(name), len = 16, i;
	const char *p;

	for (p = name; *p; p++)
		len += (unsigned char)*p * 7 % 61;
	if (len >= size)
		len = size - 1;
	for (i = 0; i < len; i++)
		buf[i] = name[i % n];
	buf[len] = '\0';
	return len;
}

static int add_named(struct m2md_store *st, const char *parent,
		     const char *name)
{
	struct m2md_resource r;
	char data[512];

	fill_res(&r, parent, "contentInstance", name, time(NULL));
	r.len = content_of(name, data, sizeof(data));
	r.data = (unsigned char *)data;
	snprintf(r.content_type, sizeof(r.content_type), "text/plain");
	return m2md_store_ci_add(st, &r, NULL, NULL);
}

static void make_collection(const char *where, const char *parent,
			    const char *name)
{
	struct m2md_store *st = open_store(where);
	struct m2md_resource r;

	fill_res(&r, parent, "contentInstances", name, 1);
	r.data = (unsigned char *)"{}";
	r.len = 2;
	CHECK(m2md_store_res_create(st, &r, 1) == 0, "collection %s/%s made",
	      parent, name);
	m2md_store_close(st);
}

struct adder {
	struct m2md_store *st;
	int round, id;
	int fd;				/* acknowledged names, or -1 */
	volatile int *stop;
	long done;
};

static void *adder_main(void *arg)
{
	struct adder *a = arg;
	char line[64];
	long i;
	int len;

	for (i = 0; !*a->stop; i++) {
		len = snprintf(line, sizeof(line), "r%d-t%d-%ld", a->round,
			       a->id, i);
		if (add_named(a->st, COLL, line))
			continue;
		a->done++;
		if (a->fd < 0)
			continue;
		line[len++] = '\n';
		/* Lines are shorter than PIPE_BUF, so each write is whole. */
		if (write(a->fd, line, len) != len)
			_exit(3);
	}
	return NULL;
}

/* Run THREADS adders on st; returns the creates per second. */
static double measure_rate(struct m2md_store *st, int threads, double secs)
{
	struct adder a[THREADS];
	pthread_t th[THREADS];
	volatile int stop = 0;
	long total = 0;
	double t;
	int i;

	t = now_s();
	for (i = 0; i < threads; i++) {
		a[i] = (struct adder){ .st = st, .round = 90 + threads,
				       .id = i, .fd = -1, .stop = &stop };
		pthread_create(&th[i], NULL, adder_main, &a[i]);
	}
	usleep((useconds_t)(secs * 1e6));
	stop = 1;
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		total += a[i].done;
	}
	return total / (now_s() - t);
}

/* Measured, not asserted: the rate depends on the disk and the load. */
static void test_create_rate(void)
{
	struct m2md_store *st;
	double one, eight;

	make_collection(dir, "/k", "ci");
	st = open_store(dir);
	one = measure_rate(st, 1, 1.0);
	eight = measure_rate(st, THREADS, 2.0);
	CHECK(one > 0, "creates from 1 thread succeed: %.0f/s", one);
	CHECK(eight > 0, "creates from %d threads succeed: %.0f/s", THREADS,
	      eight);
	printf("NOTE: durable contentInstance creates: %.0f/s from 1 thread, "
	       "%.0f/s from %d threads (synchronous=FULL, %s)\n", one, eight,
	       THREADS, dir);
	m2md_store_close(st);
}

/* The child: add instances from THREADS threads until killed. */
static void child_main(int round, int fd)
{
	struct adder a[THREADS];
	pthread_t th[THREADS];
	struct m2md_store *st = NULL;
	volatile int stop = 0;
	char err[256];
	int i;

	if (m2md_store_open(dir, &st, err, sizeof(err)))
		_exit(4);
	for (i = 0; i < THREADS; i++) {
		a[i] = (struct adder){ .st = st, .round = round, .id = i,
				       .fd = fd, .stop = &stop };
		pthread_create(&th[i], NULL, adder_main, &a[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	_exit(0);
}

struct acked {
	char (*names)[64];
	int n;
	char partial[64];
	size_t plen;
};

/* Split what was read from the pipe into names. */
static void acked_add(struct acked *ack, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (ack->plen < sizeof(ack->partial) - 1)
				ack->partial[ack->plen++] = buf[i];
			continue;
		}
		ack->partial[ack->plen] = '\0';
		if (ack->n < ACKED_MAX)
			snprintf(ack->names[ack->n++], sizeof(ack->names[0]),
				 "%s", ack->partial);
		ack->plen = 0;
	}
}

/*
 * Read acknowledged names for ms milliseconds, or until EOF if ms < 0.
 * With once, return after the first read. Returns the bytes of the last
 * read, 0 at EOF or timeout.
 */
static ssize_t read_acks(int fd, struct acked *ack, int ms, bool once)
{
	double end = now_s() + ms / 1000.0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;
	int wait;

	for (;;) {
		wait = ms < 0 ? 5000 : (int)((end - now_s()) * 1000);
		if (ms >= 0 && wait <= 0)
			return 0;
		if (poll(&pfd, 1, wait) <= 0)
			return 0;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return 0;
		acked_add(ack, buf, (size_t)n);
		if (once)
			return n;
	}
}

static int sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	int v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void check_db_whole(int round)
{
	char path[128], text[64] = "";
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int n;

	snprintf(path, sizeof(path), "%s/m2md.db", dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "round %d: db opens",
	      round);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(text, sizeof(text), "%s",
			 (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	CHECK(!strcmp(text, "ok"), "round %d: integrity_check: %s", round,
	      text);
	n = sql_int(db, "SELECT count(*) FROM resources WHERE "
		    "size != length(representation)");
	CHECK(n == 0, "round %d: rows whose size is not their length: %d",
	      round, n);
	n = sql_int(db, "SELECT count(*) FROM resources r WHERE type = "
		    "'contentInstance' AND NOT EXISTS (SELECT 1 FROM "
		    "resources p WHERE p.path = r.parent)");
	CHECK(n == 0, "round %d: instances without a parent: %d", round, n);
	/* Each add bumps the collection in the same transaction. */
	n = sql_int(db, "SELECT (SELECT version FROM resources WHERE path = '"
		    COLL "') - (SELECT count(*) FROM resources WHERE "
		    "parent = '" COLL "')");
	CHECK(n == 1, "round %d: collection version is 1 + instances (%d)",
	      round, n);
	sqlite3_close(db);
}

/* Every acknowledged name is stored with its exact content. */
static void check_acked(struct acked *ack, int from, int round)
{
	struct m2md_store *st = open_store(dir);
	struct m2md_resource got;
	char path[128], want[512];
	int i, missing = 0, wrong = 0;
	size_t len;

	for (i = from; i < ack->n; i++) {
		snprintf(path, sizeof(path), COLL "/%s", ack->names[i]);
		if (m2md_store_res_get(st, path, &got)) {
			if (!missing++)
				printf("missing: %s\n", path);
			continue;
		}
		len = content_of(ack->names[i], want, sizeof(want));
		if (got.len != len || memcmp(got.data, want, len))
			wrong++;
		m2md_resource_free(&got);
	}
	CHECK(missing == 0, "round %d: acknowledged but missing: %d of %d",
	      round, missing, ack->n - from);
	CHECK(wrong == 0, "round %d: wrong content: %d", round, wrong);
	m2md_store_close(st);
}

static void kill_round(struct acked *ack, int round, int ms)
{
	int fds[2], status, from = ack->n;
	pid_t pid;

	if (pipe(fds)) {
		perror("pipe");
		exit(2);
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child_main(round, fds[1]);
	}
	close(fds[1]);
	/* Kill ms after the first acknowledgement, not after the fork. */
	while (ack->n == from && read_acks(fds[0], ack, 10000, true) > 0)
		;
	read_acks(fds[0], ack, ms, false);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status), "round %d: child was killed, not exited "
	      "(status %d)", round, status);
	CHECK(WTERMSIG(status) == SIGKILL, "round %d: child got SIGKILL: %d",
	      round, WTERMSIG(status));
	read_acks(fds[0], ack, -1, false);
	close(fds[0]);
	CHECK(ack->n > from, "round %d: some creates acknowledged: %d", round,
	      ack->n - from);
	printf("round %d: killed after %d ms, %d acknowledged\n", round, ms,
	       ack->n - from);
	check_db_whole(round);
	/* Check this round's names and, once more, all earlier ones. */
	check_acked(ack, 0, round);
}

static void test_kill_durability(void)
{
	static const int ms[KILL_ROUNDS] = { 150, 420, 230, 800, 333 };
	struct acked ack = { .n = 0 };
	int i;

	ack.names = calloc(ACKED_MAX, sizeof(*ack.names));
	if (!ack.names)
		exit(2);
	for (i = 0; i < KILL_ROUNDS; i++)
		kill_round(&ack, i, ms[i]);
	free(ack.names);
}

static int count_one(const struct m2md_resource *res, void *ctx)
{
	int64_t *n = ctx;

	++*n;
	return 0;
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* One read of each kind that a GET makes, on a small collection. */
static int one_read(struct m2md_store *st, const char *coll,
		    const char *path)
{
	struct m2md_ci_filter f = { .limit = 4 };
	struct m2md_resource got;
	int64_t count, bytes;
	int ret;

	ret = m2md_store_res_edge(st, coll, true, &got);
	m2md_resource_free(&got);
	if (!ret)
		ret = m2md_store_res_get(st, path, &got);
	m2md_resource_free(&got);
	if (!ret)
		ret = m2md_store_res_stats(st, coll, &count, &bytes);
	if (!ret)
		ret = m2md_store_ci_query(st, coll, &f, count_one, &count);
	return ret;
}

static void test_memory_flat(void)
{
	long before = 0, after, i, fails = 0, n = 1000000 / 4;
	const long warm = n / 5;
	struct m2md_store *st;
	char name[24];

	make_collection(dir, "/m", "ci");
	st = open_store(dir);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "m%ld", i);
		CHECK(add_named(st, "/m/ci", name) == 0, "instance %s", name);
	}
	for (i = 0; i < n; i++) {
		fails += one_read(st, "/m/ci", "/m/ci/m3") != 0;
		if (i == warm)
			before = rss_kib();
	}
	after = rss_kib();
	CHECK(fails == 0, "a million reads succeed: %ld failed", fails);
	printf("NOTE: RSS %ld KiB after %ld reads, %ld KiB after %ld\n",
	       before, warm * 4, after, n * 4);
	CHECK(after - before < 8192, "memory flat over a million reads: "
	      "grew %ld KiB", after - before);
	m2md_store_close(st);
}

static long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? -1 : (long)sb.st_size;
}

/* Write to path until the file system is full. */
static void fill_disk(const char *path)
{
	static char block[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	while (fd >= 0 && write(fd, block, sizeof(block)) > 0)
		;
	if (fd >= 0)
		close(fd);
}

static void test_full_disk(void)
{
	char mnt[64], state[96], filler[96], big_name[] = "big";
	struct m2md_resource r, got;
	static char big[65536];
	struct m2md_store *st;
	int64_t version;
	int ret;

	m2md_test_tmpdir(mnt, sizeof(mnt));
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m")) {
		printf("NOTE: full disk case skipped: cannot mount a tmpfs "
		       "(%s)\n", strerror(errno));
		rmdir(mnt);
		return;
	}
	snprintf(state, sizeof(state), "%s/state", mnt);
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	make_collection(state, "/k", "ci");
	st = open_store(state);
	CHECK(add_named(st, COLL, "before") == 0, "add before the disk fills");
	CHECK(m2md_store_res_get(st, COLL, &got) == 0, "collection read");
	version = got.version;
	m2md_resource_free(&got);
	fill_disk(filler);

	memset(big, 'b', sizeof(big));
	fill_res(&r, COLL, "contentInstance", big_name, 5);
	r.data = (unsigned char *)big;
	r.len = sizeof(big);
	ret = m2md_store_ci_add(st, &r, NULL, NULL);
	CHECK(ret == -EIO, "add on a full disk is -EIO: %d", ret);
	CHECK(m2md_store_res_get(st, COLL "/big", &got) == -ENOENT,
	      "failed add left no row");
	CHECK(m2md_store_res_get(st, COLL, &got) == 0, "collection read");
	CHECK(got.version == version, "collection unchanged: version %lld",
	      (long long)got.version);
	m2md_resource_free(&got);

	unlink(filler);
	CHECK(m2md_store_ci_add(st, &r, NULL, NULL) == 0,
	      "same add succeeds once there is room");
	m2md_store_close(st);
	st = open_store(state);
	CHECK(m2md_store_res_get(st, COLL "/big", &got) == 0,
	      "row kept across reopen");
	CHECK(got.len == sizeof(big), "whole content kept: %zu", got.len);
	m2md_resource_free(&got);
	CHECK(m2md_store_res_get(st, COLL "/before", &got) == 0,
	      "earlier row kept");
	m2md_resource_free(&got);
	m2md_store_close(st);
	if (umount(mnt))
		umount2(mnt, MNT_DETACH);
	rmdir(mnt);
}

/*
 * A bind mount read-only when the test may mount, else permission bits
 * (which bind everyone but root).
 */
static bool make_read_only(const char *path, bool *mounted)
{
	*mounted = !mount(path, path, NULL, MS_BIND, NULL);
	if (*mounted && !mount(NULL, path, NULL,
			       MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return true;
	if (*mounted)
		umount(path);
	*mounted = false;
	if (geteuid() == 0)
		return false;
	return !chmod(path, 0500);
}

static void test_read_only_dir(void)
{
	char ro[64], db[96], err[256] = "";
	struct m2md_store *st = NULL;
	long size_before;
	bool mounted;
	int ret;

	m2md_test_tmpdir(ro, sizeof(ro));
	make_collection(ro, "/k", "ci");
	snprintf(db, sizeof(db), "%s/m2md.db", ro);
	size_before = file_size(db);
	if (!make_read_only(ro, &mounted)) {
		printf("NOTE: read-only case skipped: cannot make %s "
		       "read-only\n", ro);
		m2md_test_rmdir(ro);
		return;
	}
	ret = m2md_store_open(ro, &st, err, sizeof(err));
	CHECK(ret == -EIO, "open in a read-only directory is -EIO: %d (%s)",
	      ret, err);
	CHECK(err[0] != '\0', "open says why: %s", err);
	if (!ret)
		m2md_store_close(st);
	if (mounted)
		umount(ro);
	else
		chmod(ro, 0700);
	CHECK(file_size(db) == size_before, "database unchanged: %ld bytes",
	      file_size(db));
	st = open_store(ro);
	CHECK(add_named(st, COLL, "after") == 0, "writable again");
	m2md_store_close(st);
	m2md_test_rmdir(ro);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	m2md_test_tmpdir(dir, sizeof(dir));
	test_create_rate();
	test_kill_durability();
	test_memory_flat();
	test_full_disk();
	test_read_only_dir();
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_store_durable_test");
}
