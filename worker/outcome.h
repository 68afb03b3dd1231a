/* outcome.h: how a worker records what became of a job it claimed. */
#ifndef THUMBQ_OUTCOME_H
#define THUMBQ_OUTCOME_H

#include "conf.h"
#include "job.h"
#include "joberror.h"
#include "storage.h"
#include "store.h"

/* Records the outcome of a claimed job: completed (err->code NULL), retried
 * later (a transient error with attempts left; a storage outage,
 * err->outage, with no attempt used up, until outage_max_s), or failed.
 * If Redis refuses it (a failover, a restart, OOM at maxmemory, MISCONF)
 * the result is sent again for up to
 * half of lease_seconds; after that it is dropped: the lease runs out and
 * the job is done again, which is safe because every attempt of a job
 * writes the same file name (given at its first claim, see storage.h),
 * replaced by rename.
 * started is when the job was claimed (proc_now_ms).  sto removes the
 * thumbnail of a job cancelled meanwhile (NULL: none was written yet). */
void outcome_record(const struct thumbq_conf *conf, struct store *st,
    struct storage *sto, const char *wid, struct job *job,
    const struct job_error *err, long long started);

#endif
