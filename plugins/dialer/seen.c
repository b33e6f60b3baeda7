/* The set of numbers an import has taken (see seen.h). */
#include "seen.h"

struct _DialerSeen {
  guint64 *keys;  /* packed numbers; 0 marks an empty slot */
  guint32 *lines; /* first lines, saturated at G_MAXUINT32 */
  gsize mask;     /* slots - 1, a power of two less one */
  gsize count;
};

DialerSeen *
dialer_seen_new (void)
{
  DialerSeen *seen = g_new0 (DialerSeen, 1);
  seen->mask = 1023;
  seen->keys = g_new0 (guint64, seen->mask + 1);
  seen->lines = g_new0 (guint32, seen->mask + 1);
  return seen;
}

void
dialer_seen_free (DialerSeen *seen)
{
  if (!seen)
    return;
  g_free (seen->keys);
  g_free (seen->lines);
  g_free (seen);
}

static guint64
pack (const char *e164)
{
  guint64 v = 0;
  for (const char *p = e164[0] == '+' ? e164 + 1 : e164; *p; p++)
    v = v * 10 + (guint64) (*p - '0');
  return v;
}

/* A 64-bit mix (splitmix64's finaliser): numbers share long prefixes. */
static gsize
slot_of (guint64 key, gsize mask)
{
  key ^= key >> 30;
  key *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  key ^= key >> 27;
  key *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  key ^= key >> 31;
  return (gsize) key & mask;
}

static gsize
find (const guint64 *keys, gsize mask, guint64 key)
{
  gsize i = slot_of (key, mask);
  while (keys[i] != 0 && keys[i] != key)
    i = (i + 1) & mask;
  return i;
}

guint64
dialer_seen_lookup (const DialerSeen *seen, const char *e164)
{
  g_return_val_if_fail (seen != NULL && e164 != NULL, 0);
  guint64 key = pack (e164);
  gsize i = find (seen->keys, seen->mask, key);
  return seen->keys[i] == key && key != 0 ? seen->lines[i] : 0;
}

static void
grow (DialerSeen *seen)
{
  gsize mask = seen->mask * 2 + 1;
  guint64 *keys = g_new0 (guint64, mask + 1);
  guint32 *lines = g_new0 (guint32, mask + 1);
  for (gsize i = 0; i <= seen->mask; i++)
    if (seen->keys[i] != 0)
      {
        gsize j = find (keys, mask, seen->keys[i]);
        keys[j] = seen->keys[i];
        lines[j] = seen->lines[i];
      }
  g_free (seen->keys);
  g_free (seen->lines);
  seen->keys = keys;
  seen->lines = lines;
  seen->mask = mask;
}

void
dialer_seen_add (DialerSeen *seen, const char *e164, guint64 line)
{
  g_return_if_fail (seen != NULL && e164 != NULL && line > 0);
  guint64 key = pack (e164);
  g_return_if_fail (key != 0);
  if ((seen->count + 1) * 4 > (seen->mask + 1) * 3)
    grow (seen);
  gsize i = find (seen->keys, seen->mask, key);
  if (seen->keys[i] == key)
    return;
  seen->keys[i] = key;
  seen->lines[i] = (guint32) MIN (line, G_MAXUINT32);
  seen->count++;
}

gsize
dialer_seen_get_size (const DialerSeen *seen)
{
  g_return_val_if_fail (seen != NULL, 0);
  return (seen->mask + 1) * (sizeof (guint64) + sizeof (guint32));
}
