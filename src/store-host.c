/* store-host.c: a host's duties, done by its thumbqd master: say it lives
 * (and take over from hosts that went silent), say goodbye, put back the
 * jobs of a child that died, reap expired leases, promote retries that are
 * due (see store.h; scripts heartbeat.lua, goodbye.lua, recover.lua,
 * reap.lua, promote.lua). */
#include "config.h"

#include "store-int.h"

long
store_heartbeat(struct store *st, const char *host_id,
    const char *const *wids, const char *const *busy, size_t nwids,
    long long storage_failing_ms)
{
	store_begin_script(st, SCRIPT_HEARTBEAT);
	redis_arg_str(st->r, host_id);
	redis_arg_u64(st->r, STORE_HOST_STALE_MS);
	redis_arg_u64(st->r, st->conf->max_attempts);
	redis_arg_u64(st->r, storage_failing_ms > 0 ?
	    (unsigned long long)storage_failing_ms : 0);
	for (size_t i = 0; i < nwids; i++) {
		redis_arg_str(st->r, wids[i]);
		redis_arg_str(st->r, busy != NULL && busy[i] != NULL ?
		    busy[i] : "");
	}
	return (long)store_run_int(st);
}

void
store_goodbye(struct store *st, const char *host_id)
{
	store_begin_script(st, SCRIPT_GOODBYE);
	redis_arg_str(st->r, host_id);
	store_run_int(st);
}

long
store_recover_worker(struct store *st, const char *wid, const char *culprit)
{
	store_begin_script(st, SCRIPT_RECOVER);
	redis_arg_str(st->r, wid);
	redis_arg_u64(st->r, st->conf->max_attempts);
	redis_arg_str(st->r, culprit != NULL ? culprit : "");
	return (long)store_run_int(st);
}

long
store_reap_leases(struct store *st)
{
	store_begin_script(st, SCRIPT_REAP);
	redis_arg_u64(st->r, st->conf->max_attempts);
	redis_arg_u64(st->r, STORE_BATCH);
	return (long)store_run_int(st);
}

long
store_promote_retries(struct store *st)
{
	store_begin_script(st, SCRIPT_PROMOTE);
	redis_arg_u64(st->r, STORE_BATCH);
	return (long)store_run_int(st);
}
