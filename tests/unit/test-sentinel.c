/* test-sentinel.c: the Sentinel client's pure parts, and its asking
 * against fake sentinels on loopback.
 *
 * - redis_sentinels parses host:port and [IPv6]:port items, comma or blank
 *   separated, and refuses what the connection could not use (no port, a
 *   port out of range, an IPv6 address without brackets, too many);
 * - the replies of SENTINEL get-master-addr-by-name and ROLE are taken
 *   only when their types, counts, lengths and port are right (they come
 *   off the wire here, through hiredis' own reader);
 * - the sentinel that answered moves to the front, the others keep their
 *   order;
 * - asking skips a sentinel that refuses, one that does not know the name
 *   and one that never answers (within its step and the deadline), and
 *   takes the next one's answer;
 * - through redis.c: a command on a primary that stops answering fails
 *   within redis_timeout_ms, retry and discovery included, and a READONLY
 *   answer sends it again to the primary found anew (fake Redis servers
 *   that answer from a script).
 * Nothing here leaves 127.0.0.1. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "conf.h"
#include "redis.h"
#include "sentinel.h"
#include "tap.h"

static void
test_list(void)
{
	struct sentinel_list l;
	char *cause = NULL, at[300];
	int rc;

	rc = sentinel_parse_list("127.0.0.1:26379, 127.0.0.2:26380 "
	    "[::1]:26381,\tsentinel-3.example:5000", &l, &cause);
	ok(rc == 0 && l.n == 4, "four sentinels, comma and blank separated");
	is_str(l.addr[0].host, "127.0.0.1", "first host");
	is_int(l.addr[0].port, 26379, "first port");
	is_str(l.addr[2].host, "::1", "an IPv6 host loses its brackets");
	is_int(l.addr[2].port, 26381, "and keeps its port");
	is_str(l.addr[3].host, "sentinel-3.example", "a host name");
	sentinel_format(&l.addr[2], at, sizeof at);
	is_str(at, "[::1]:26381", "an IPv6 address is written back in brackets");
	sentinel_format(&l.addr[0], at, sizeof at);
	is_str(at, "127.0.0.1:26379", "an IPv4 one without");

	ok(sentinel_parse_list("", &l, &cause) == 0 && l.n == 0,
	    "an empty list is no sentinel");
	ok(sentinel_parse_list(" , ,", &l, &cause) == 0 && l.n == 0,
	    "separators alone are no sentinel");

	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", ":26379", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:99999999999", "127.0.0.1:26x",
		"::1:26379", "[::1]26379", "[::1]:", "[127.0.0.1]:26379",
		"[::1", "a b:1", "host/x:1", "h\x01:1", "127.0.0.1:-1",
		"127.0.0.1:+1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		rc = sentinel_parse_list(bad[i], &l, &cause);
		ok(rc == -1 && cause != NULL &&
		    strstr(cause, "redis_sentinels") != NULL,
		    "refused: \"%s\" (%s)", bad[i], cause ? cause : "-");
		free(cause);
	}

	/* SENTINEL_MAX, then one more. */
	char many[SENTINEL_MAX * 20 + 20] = "";
	for (int i = 0; i <= SENTINEL_MAX; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many),
		    "127.0.0.1:%d ", 26000 + i);
	cause = NULL;
	ok(sentinel_parse_list(many, &l, &cause) == -1 && cause != NULL,
	    "more than %d sentinels are refused", SENTINEL_MAX);
	free(cause);
	many[strlen(many) - strlen("127.0.0.1:26016 ")] = '\0';
	ok(sentinel_parse_list(many, &l, &cause) == 0 && l.n == SENTINEL_MAX,
	    "%d are taken", SENTINEL_MAX);

	cause = NULL;
	ok(sentinel_check_name("mymaster", &cause) == 0, "a master name");
	ok(sentinel_check_name("", &cause) == -1, "an empty name is refused");
	free(cause);
	cause = NULL;
	ok(sentinel_check_name("my master", &cause) == -1,
	    "a name with a blank is refused (it is one argument)");
	free(cause);
}

/* One reply, read from RESP text by hiredis' reader, as off the wire. */
static redisReply *
reply_of(const char *resp, size_t len)
{
	redisReader *rd = redisReaderCreate();
	void *reply = NULL;

	redisReaderFeed(rd, resp, len);
	if (redisReaderGetReply(rd, &reply) != REDIS_OK)
		reply = NULL;
	redisReaderFree(rd);
	return reply;
}

static int
master(const char *resp, size_t len, struct sentinel_addr *a)
{
	redisReply *reply = reply_of(resp, len);
	char err[200];
	int rc;

	if (reply == NULL)
		return -2;
	rc = sentinel_master_check(reply, a, err, sizeof err);
	freeReplyObject(reply);
	return rc;
}
#define MASTER(lit, a) master(lit, sizeof lit - 1, a)

static int
role(const char *resp, size_t len)
{
	redisReply *reply = reply_of(resp, len);
	char err[200];
	int rc;

	if (reply == NULL)
		return -2;
	rc = sentinel_role_check(reply, err, sizeof err);
	freeReplyObject(reply);
	return rc;
}
#define ROLE(lit) role(lit, sizeof lit - 1)

static void
test_replies(void)
{
	struct sentinel_addr a;

	ok(MASTER("*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n", &a) == 0 &&
	    strcmp(a.host, "127.0.0.1") == 0 && a.port == 6380,
	    "a primary's host and port");
	ok(MASTER("*2\r\n$3\r\n::1\r\n$5\r\n65535\r\n", &a) == 0 &&
	    strcmp(a.host, "::1") == 0 && a.port == 65535,
	    "an IPv6 primary, the highest port");
	is_int(MASTER("*-1\r\n", &a), -1, "a sentinel that does not know the "
	    "name (nil)");
	is_int(MASTER("$-1\r\n", &a), -1, "a nil bulk");
	is_int(MASTER("-IDONTKNOW no\r\n", &a), -1, "an error reply");
	is_int(MASTER("*1\r\n$9\r\n127.0.0.1\r\n", &a), -1, "one element");
	is_int(MASTER("*3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\n2\r\n", &a), -1,
	    "three elements");
	is_int(MASTER("*2\r\n:1\r\n$4\r\n6380\r\n", &a), -1,
	    "an integer for the host");
	is_int(MASTER("*2\r\n$9\r\n127.0.0.1\r\n:6380\r\n", &a), -1,
	    "an integer for the port");
	is_int(MASTER("*2\r\n$9\r\n127.0.0.1\r\n$1\r\n0\r\n", &a), -1,
	    "port 0");
	is_int(MASTER("*2\r\n$9\r\n127.0.0.1\r\n$5\r\n65536\r\n", &a), -1,
	    "port 65536");
	is_int(MASTER("*2\r\n$9\r\n127.0.0.1\r\n$6\r\n006380\r\n", &a), -1,
	    "a port of six digits");
	is_int(MASTER("*2\r\n$9\r\n127.0.0.1\r\n$0\r\n\r\n", &a), -1,
	    "an empty port");
	is_int(MASTER("*2\r\n$0\r\n\r\n$4\r\n6380\r\n", &a), -1,
	    "an empty host");
	is_int(MASTER("*2\r\n$10\r\n127.0\0.0.1\r\n$4\r\n6380\r\n", &a), -1,
	    "a host with a NUL");
	is_int(MASTER("*2\r\n$9\r\n127.0.0 1\r\n$4\r\n6380\r\n", &a), -1,
	    "a host with a blank");
	{
		char big[400], resp[500];

		memset(big, 'a', 256);
		big[256] = '\0';
		snprintf(resp, sizeof resp, "*2\r\n$256\r\n%s\r\n$4\r\n6380"
		    "\r\n", big);
		is_int(master(resp, strlen(resp), &a), -1,
		    "a host of 256 bytes");
		big[255] = '\0';
		snprintf(resp, sizeof resp, "*2\r\n$255\r\n%s\r\n$4\r\n6380"
		    "\r\n", big);
		is_int(master(resp, strlen(resp), &a), 0,
		    "a host of 255 bytes");
	}

	is_int(ROLE("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"), 1, "ROLE master");
	is_int(ROLE("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n"
	    "$9\r\nconnected\r\n:1\r\n"), 0, "ROLE slave");
	is_int(ROLE("*2\r\n$8\r\nsentinel\r\n*0\r\n"), 0, "ROLE sentinel");
	is_int(ROLE("*0\r\n"), -1, "ROLE with no element");
	is_int(ROLE("*1\r\n:1\r\n"), -1, "ROLE with an integer");
	is_int(ROLE("$6\r\nmaster\r\n"), -1, "ROLE as a plain string");
	is_int(ROLE("*1\r\n$7\r\nmasters\r\n"), -1, "ROLE of another name");
	is_int(ROLE("*1\r\n$6\r\nmast\0r\r\n"), -1, "ROLE with a NUL");
	is_int(ROLE("-NOAUTH Authentication required.\r\n"), -1,
	    "ROLE refused");
}

static void
test_promote(void)
{
	struct sentinel_list l;
	char *cause = NULL;

	sentinel_parse_list("h0:1 h1:2 h2:3 h3:4", &l, &cause);
	sentinel_promote(&l, 2);
	ok(strcmp(l.addr[0].host, "h2") == 0 &&
	    strcmp(l.addr[1].host, "h0") == 0 &&
	    strcmp(l.addr[2].host, "h1") == 0 &&
	    strcmp(l.addr[3].host, "h3") == 0 && l.addr[0].port == 3,
	    "the third moves to the front, the others keep their order");
	sentinel_promote(&l, 0);
	ok(strcmp(l.addr[0].host, "h2") == 0 && l.n == 4,
	    "the first stays first");
	sentinel_promote(&l, 4);
	ok(strcmp(l.addr[0].host, "h2") == 0 &&
	    strcmp(l.addr[3].host, "h3") == 0, "an index past the end is "
	    "ignored");
}

/* A listening socket on 127.0.0.1 and an ephemeral port; its port. */
static int
fake_listen(unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(s, 8) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		abort();
	*port = ntohs(sin.sin_port);
	return s;
}

/* A fake sentinel on 127.0.0.1: a child that accepts one connection at a
 * time and answers every command with answer (or with nothing, if NULL).
 * Returns its port; *pid is the child's. */
static unsigned
fake_sentinel(const char *answer, pid_t *pid)
{
	char buf[1024];
	unsigned port;
	int s = fake_listen(&port), c;

	if ((*pid = fork()) == 0) {
		alarm(20);	/* never outlives the test */
		while ((c = accept(s, NULL, NULL)) != -1) {
			if (read(c, buf, sizeof buf) > 0 && answer != NULL)
				(void)!write(c, answer, strlen(answer));
			if (answer == NULL)
				sleep(5);
			close(c);
		}
		_exit(0);
	}
	close(s);
	return port;
}

/* A fake Redis on 127.0.0.1 that answers each command it reads with the
 * next of answers, whichever connection it comes on (one at a time); at
 * "HANG", or past the last, it stops answering. */
static unsigned
fake_script(const char *const *answers, pid_t *pid)
{
	char buf[1024];
	unsigned port;
	int s = fake_listen(&port), c;

	if ((*pid = fork()) == 0) {
		alarm(20);
		while ((c = accept(s, NULL, NULL)) != -1) {
			while (read(c, buf, sizeof buf) > 0) {
				if (*answers == NULL ||
				    strcmp(*answers, "HANG") == 0) {
					sleep(10);
					break;
				}
				(void)!write(c, *answers, strlen(*answers));
				answers++;
			}
			close(c);
		}
		_exit(0);
	}
	close(s);
	return port;
}

/* A loopback port nothing listens on (bound, then closed). */
static unsigned
closed_port(void)
{
	pid_t pid;
	unsigned port = fake_sentinel("", &pid);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return port;
}

static void
test_ask(void)
{
	struct sentinel_list l;
	struct sentinel_addr primary, from;
	unsigned long long t0, took;
	char text[200], err[300], *cause = NULL;
	pid_t silent, unknown, good;
	unsigned ps, pu, pg, pc;

	pc = closed_port();
	ps = fake_sentinel(NULL, &silent);
	pu = fake_sentinel("*-1\r\n", &unknown);
	pg = fake_sentinel("*2\r\n$9\r\n127.0.0.9\r\n$4\r\n6390\r\n", &good);

	snprintf(text, sizeof text, "127.0.0.1:%u 127.0.0.1:%u 127.0.0.1:%u "
	    "127.0.0.1:%u", pc, ps, pu, pg);
	sentinel_parse_list(text, &l, &cause);
	t0 = sentinel_now_ms();
	ok(sentinel_ask(&l, "mymaster", t0 + 5000, &primary, &from, err,
	    sizeof err) == 0, "a primary from the fourth sentinel (%s)",
	    err);
	took = sentinel_now_ms() - t0;
	ok(strcmp(primary.host, "127.0.0.9") == 0 && primary.port == 6390,
	    "the address it gave");
	ok(from.port == pg, "the sentinel that gave it");
	ok(took >= SENTINEL_STEP_MS - 50 && took < SENTINEL_STEP_MS + 1000,
	    "the silent one cost one step: %llu ms", took);
	ok(l.addr[0].port == pg && l.addr[1].port == pc &&
	    l.addr[2].port == ps && l.addr[3].port == pu,
	    "the one that answered is asked first next time");

	/* Only the ones that cannot answer, and a deadline shorter than
	 * a step: asking stops at the deadline. */
	snprintf(text, sizeof text, "127.0.0.1:%u 127.0.0.1:%u 127.0.0.1:%u",
	    pc, ps, pu);
	sentinel_parse_list(text, &l, &cause);
	t0 = sentinel_now_ms();
	ok(sentinel_ask(&l, "mymaster", t0 + 200, &primary, &from, err,
	    sizeof err) == -1 && strstr(err, "mymaster") != NULL,
	    "no primary when none answers: %s", err);
	took = sentinel_now_ms() - t0;
	ok(took < 400, "and the deadline holds: %llu ms of 200", took);

	kill(silent, SIGKILL);
	kill(unknown, SIGKILL);
	kill(good, SIGKILL);
	waitpid(silent, NULL, 0);
	waitpid(unknown, NULL, 0);
	waitpid(good, NULL, 0);
}

#define ROLE_MASTER "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"
#define PONG "+PONG\r\n"

/* PING through r: 1 if PONG came back, 0 if not; *ms: how long it took. */
static int
ping(struct redis *r, unsigned long long *ms)
{
	unsigned long long t0 = sentinel_now_ms();
	redisReply *reply;
	int pong;

	redis_begin(r, "PING");
	reply = redis_run(r);
	*ms = sentinel_now_ms() - t0;
	pong = reply != NULL && reply->type == REDIS_REPLY_STATUS &&
	    strcmp(reply->str, "PONG") == 0;
	if (reply != NULL)
		freeReplyObject(reply);
	return pong;
}

static void
stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A fake sentinel naming 127.0.0.1:port, made conf's only one; its
 * port. */
static unsigned
sentinel_naming(unsigned port, pid_t *pid, struct thumbq_conf *conf)
{
	char answer[128], addr[64];
	unsigned sp;

	snprintf(answer, sizeof answer, "*2\r\n$9\r\n127.0.0.1\r\n$%d\r\n%u"
	    "\r\n", port > 9999 ? 5 : 4, port);
	sp = fake_sentinel(answer, pid);
	free(conf->redis_sentinels);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", sp);
	conf->redis_sentinels = strdup(addr);
	return sp;
}

/* A command never takes longer than redis_timeout_ms, even when the
 * connection it was sent on had been idle and it is sent once more on a
 * fresh one (redis.c) after the primary stopped answering, directly or
 * through the sentinels; and a READONLY answer (a demoted primary) makes
 * the connection find the primary again and run the command there. */
static void
test_deadline(void)
{
	static const char *const hang[] = { PONG, "HANG", NULL };
	static const char *const hang_role[] = { ROLE_MASTER, PONG, "HANG",
	    NULL };
	static const char *const demoted[] = { ROLE_MASTER,
	    "-READONLY You can't write against a read only replica.\r\n",
	    ROLE_MASTER, PONG, NULL };
	static const char *const scripts[] = { "return 1" };
	struct thumbq_conf conf;
	struct redis *r;
	unsigned long long ms;
	const char *from;
	char addr[64];
	unsigned p, sp;
	pid_t pid, spid;
	int pong;

	conf_defaults(&conf);
	conf.redis_timeout_ms = 300;

	p = fake_script(hang, &pid);
	free(conf.redis);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", p);
	conf.redis = strdup(addr);
	r = redis_new(&conf, scripts, 1);
	ok(ping(r, &ms), "a PING answered");
	pong = ping(r, &ms);
	ok(!pong && ms < 300 + 150,
	    "the next one, unanswered, fails within redis_timeout_ms (300), "
	    "its retry on a fresh connection included: %llu ms (%s)", ms,
	    redis_error(r));
	redis_free(r);
	stop(pid);

	p = fake_script(hang_role, &pid);
	sp = sentinel_naming(p, &spid, &conf);
	r = redis_new(&conf, scripts, 1);
	ok(ping(r, &ms), "a PING through the sentinel");
	snprintf(addr, sizeof addr, "127.0.0.1:%u", p);
	is_str(redis_primary(r, &from), addr, "on the primary it named");
	snprintf(addr, sizeof addr, "127.0.0.1:%u", sp);
	is_str(from, addr, "which sentinel named it");
	pong = ping(r, &ms);
	ok(!pong && ms < 300 + 150,
	    "a primary that stops answering: the PING fails within "
	    "redis_timeout_ms, asking the sentinel again included: %llu ms "
	    "(%s)", ms, redis_error(r));
	redis_free(r);
	stop(pid);
	stop(spid);

	p = fake_script(demoted, &pid);
	sp = sentinel_naming(p, &spid, &conf);
	r = redis_new(&conf, scripts, 1);
	ok(ping(r, &ms), "READONLY: the command runs again on the primary "
	    "found anew (%s)", redis_error(r));
	redis_free(r);
	stop(pid);
	stop(spid);
	conf_free(&conf);
}

int
main(void)
{
	test_list();
	test_replies();
	test_promote();
	test_ask();
	test_deadline();
	return tap_done();
}
