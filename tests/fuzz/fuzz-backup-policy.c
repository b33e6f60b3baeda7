/* Fuzz target: a backup policy (policies/backup.conf) through the backup
 * plugins' reader — time of day, time zone, counts — and, when it parses,
 * the schedule asked about a few instants and a catalogue, with the
 * invariants every answer keeps; and retention over the same runs. */
#include "policy.h"

#include "fuzz-log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_schedule (const BkPolicy *p)
{
  /* a full two weeks ago, a differential yesterday (2026-06-15 UTC) */
  const gint64 now = 1781481600;
  BkRun runs[] = { { now - 14 * 86400, BK_RUN_FULL }, { now - 86400, BK_RUN_DIFFERENTIAL } };
  const gint64 instants[] = { now, now + 3600, now + 86400 * 180, 0, 4102444800 };
  for (guint i = 0; i < G_N_ELEMENTS (instants); i++)
    {
      gint64 next = 0;
      BkRunKind kind = bk_schedule_due (p, runs, G_N_ELEMENTS (runs), instants[i], &next);
      g_assert (kind == BK_RUN_NONE || next == instants[i]);
      g_assert (kind != BK_RUN_NONE || next > instants[i]);
      g_assert (bk_schedule_due (p, NULL, 0, instants[i], NULL) != BK_RUN_DIFFERENTIAL);
    }
  BkArchive archives[] = { { "full-1", now - 14 * 86400, BK_RUN_FULL, NULL },
                           { "diff-2", now - 86400, BK_RUN_DIFFERENTIAL, "full-1" } };
  g_autofree gboolean *gone = bk_retention_prune (archives, 2, p->local_days, now);
  g_assert (!gone[1] && !gone[0]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, (const char *) data, size, G_KEY_FILE_NONE, NULL))
    return 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (BkPolicy) p = bk_policy_new_from_keyfile (kf, &error);
  g_assert ((p == NULL) == (error != NULL));
  if (p)
    {
      g_assert (p->hour < 24 && p->minute < 60 && p->full_every_days >= 1);
      check_schedule (p);
    }
  return 0;
}
