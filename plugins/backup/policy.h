/* The backup policy (policies/backup.conf, overridden per site): when
 * backups run and how long archives are kept; and the pure functions that
 * apply it — what is due now, what may be deleted. No clock is read here:
 * the caller passes "now", so tests run a simulated year in a second. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BK_POLICY_ERROR (bk_policy_error_quark ())
GQuark bk_policy_error_quark (void);

typedef enum {
  BK_POLICY_ERROR_INVALID, /* a key's value does not parse or is out of range */
} BkPolicyError;

typedef enum {
  BK_RUN_NONE = 0,
  BK_RUN_FULL,
  BK_RUN_DIFFERENTIAL,
} BkRunKind;

typedef struct {
  guint hour, minute; /* the daily run, local time in @tz */
  GTimeZone *tz;      /* owned */
  guint full_every_days;
  gboolean catch_up;   /* a run missed while down runs once, at start */
  guint grace_minutes; /* without catch_up: how late a run may still start */
  guint local_days;    /* default retention of local targets */
  guint remote_days;   /* default retention of remote targets */
} BkPolicy;

/* Reads the policy from @kf (groups [schedule] and [retention]); missing
 * keys take the defaults of policies/backup.conf. NULL with @error naming
 * the group, key and reason for a bad value. Transfer full. */
BkPolicy *bk_policy_new_from_keyfile (GKeyFile *kf, GError **error);
void bk_policy_free (BkPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BkPolicy, bk_policy_free)

/* Parses "HH:MM" (00:00 … 23:59). */
gboolean bk_policy_parse_time (const char *text, guint *hour, guint *minute, GError **error);

/* One backup run of the catalogue: when it started (Unix seconds) and its
 * kind. Only successful runs belong here. */
typedef struct {
  gint64 time;
  BkRunKind kind;
} BkRun;

/* The instants bk_schedule_due() accepts: 1970 to the start of 9999. */
#define BK_SCHEDULE_MIN_TIME G_GINT64_CONSTANT (0)
#define BK_SCHEDULE_MAX_TIME G_GINT64_CONSTANT (253370764800)

/**
 * bk_schedule_due:
 * @runs: (array length=n_runs): past successful runs, any order.
 * @now: Unix seconds.
 * @next: (out) (optional): when to ask again: @now if something is due,
 *   else the next daily slot.
 *
 * What should start now: the latest daily slot at or before @now has not
 * been run yet (a run started at or after it counts) — a full if no full
 * ran in the full-every-days local days before that slot, else a
 * differential. Several slots missed while the daemon was down make one
 * run, not one per slot; without catch-up, a slot more than grace-minutes
 * late is skipped.
 */
BkRunKind bk_schedule_due (const BkPolicy *policy, const BkRun *runs, guint n_runs, gint64 now,
                           gint64 *next);

/* One archive on a target. @base names the full a differential needs
 * (NULL for a full). */
typedef struct {
  const char *name;
  gint64 time;
  BkRunKind kind;
  const char *base;
} BkArchive;

/**
 * bk_retention_prune:
 * @archives: (array length=n): the target's catalogue, any order.
 * @keep_days: the target's retention.
 *
 * Which archives may be deleted: returns @n booleans (transfer full),
 * TRUE for each archive that may go. Kept: every archive of the last
 * @keep_days, the newest restorable point at or before their start (so a restore
 * to any instant inside the window has its starting state), and every
 * full one of those differentials needs.
 */
gboolean *bk_retention_prune (const BkArchive *archives, guint n, guint keep_days, gint64 now);

G_END_DECLS
