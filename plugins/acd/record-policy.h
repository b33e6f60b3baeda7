/* acd: a queue's recording policy (record, record-format,
 * record-retention-days), passed to the channel with each offer. */
#pragma once

#include <glib.h>

typedef struct {
  gboolean record;
  const char *format;   /* "wav-alaw" or "wav-pcm16" (static) */
  guint retention_days; /* 1 … 3650 */
} AcdRecordPolicy;

/* Reads the policy of [@group] of @f (from @file, for messages); a bad
 * value is refused with the file, group and key named. */
gboolean acd_record_policy_read (GKeyFile *f, const char *file, const char *group,
                                 AcdRecordPolicy *p, GError **error);

/* Adds record (b), record-format (s), record-retention-days (u) to an
 * offer's @extra when @p says to record; nothing otherwise. */
void acd_record_policy_add (const AcdRecordPolicy *p, GVariantDict *extra);
