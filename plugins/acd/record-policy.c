/* acd: a queue's recording policy; see record-policy.h. The sip plugin
 * records what the offer says (plugins/sip/recording.c). */
#include "record-policy.h"

#include <errno.h>
#include <string.h>

static gboolean
refuse (GError **error, const char *file, const char *group, const char *key, const char *why)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: [%s] %s: %s", file,
               group, key, why);
  return FALSE;
}

gboolean
acd_record_policy_read (GKeyFile *f, const char *file, const char *group, AcdRecordPolicy *p,
                        GError **error)
{
  *p = (AcdRecordPolicy){ .record = FALSE, .format = "wav-alaw", .retention_days = 90 };
  g_autofree char *record = g_key_file_get_value (f, group, "record", NULL);
  if (record && *g_strstrip (record))
    {
      if (g_ascii_strcasecmp (record, "true") == 0 || strcmp (record, "1") == 0)
        p->record = TRUE;
      else if (g_ascii_strcasecmp (record, "false") != 0 && strcmp (record, "0") != 0)
        return refuse (error, file, group, "record", "true or false");
    }
  g_autofree char *format = g_key_file_get_value (f, group, "record-format", NULL);
  if (format && *g_strstrip (format))
    {
      if (strcmp (format, "wav-pcm16") == 0)
        p->format = "wav-pcm16";
      else if (strcmp (format, "wav-alaw") != 0)
        return refuse (error, file, group, "record-format", "wav-alaw or wav-pcm16");
    }
  g_autofree char *days = g_key_file_get_value (f, group, "record-retention-days", NULL);
  if (days && *g_strstrip (days))
    {
      char *end = NULL;
      errno = 0;
      gint64 n = g_ascii_strtoll (days, &end, 10);
      if (*end != '\0' || errno != 0 || n < 1 || n > 3650)
        return refuse (error, file, group, "record-retention-days", "a whole number, 1 to 3650");
      p->retention_days = (guint) n;
    }
  return TRUE;
}

void
acd_record_policy_add (const AcdRecordPolicy *p, GVariantDict *extra)
{
  if (p == NULL || !p->record)
    return;
  g_variant_dict_insert (extra, "record", "b", TRUE);
  g_variant_dict_insert (extra, "record-format", "s", p->format);
  g_variant_dict_insert (extra, "record-retention-days", "u", p->retention_days);
}
