/* The manifest: its text form, and a parser for untrusted input. */
#include "text.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (occ - backup - error - quark, occ_backup_error)

#define MANIFEST_MAGIC "omnicc-backup-manifest 1"

static void
entry_free (gpointer p)
{
  OccBackupEntry *e = p;
  g_free (e->path);
  g_free (e->target);
  g_free (e);
}

static void
problem_free (gpointer p)
{
  OccBackupProblem *pr = p;
  g_free (pr->path);
  g_free (pr->reason);
  g_free (pr);
}

OccBackupManifest *
occ_backup_manifest_new (void)
{
  OccBackupManifest *m = g_new0 (OccBackupManifest, 1);
  m->complete = TRUE;
  m->entries = g_ptr_array_new_with_free_func (entry_free);
  m->deleted = g_ptr_array_new_with_free_func (g_free);
  m->problems = g_ptr_array_new_with_free_func (problem_free);
  return m;
}

void
occ_backup_manifest_free (OccBackupManifest *m)
{
  if (!m)
    return;
  g_free (m->id);
  g_free (m->base_id);
  g_ptr_array_unref (m->entries);
  g_ptr_array_unref (m->deleted);
  g_ptr_array_unref (m->problems);
  g_free (m);
}

const OccBackupEntry *
occ_backup_manifest_lookup (const OccBackupManifest *m, const char *path)
{
  guint lo = 0, hi = m->entries->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const OccBackupEntry *e = g_ptr_array_index (m->entries, mid);
      int c = strcmp (e->path, path);
      if (c == 0)
        return e;
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

/* Every byte outside printable ASCII, the space and '%' become %XX: names
 * are stored byte-exact whatever their encoding, one field per name. */
char *
occ_backup_escape (const char *bytes)
{
  GString *s = g_string_new (NULL);
  for (const guchar *p = (const guchar *) bytes; *p; p++)
    {
      if (*p > 0x20 && *p < 0x7f && *p != '%')
        g_string_append_c (s, (char) *p);
      else
        g_string_append_printf (s, "%%%02X", *p);
    }
  return g_string_free (s, FALSE);
}

static char *
unescape (const char *field, GError **error)
{
  GString *s = g_string_new (NULL);
  for (const char *p = field; *p; p++)
    {
      if (*p != '%')
        {
          g_string_append_c (s, *p);
          continue;
        }
      int hi = g_ascii_xdigit_value (p[1]);
      int lo = hi < 0 ? -1 : g_ascii_xdigit_value (p[2]);
      if (lo < 0 || (hi == 0 && lo == 0))
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "bad escape in \"%s\"",
                       field);
          g_string_free (s, TRUE);
          return NULL;
        }
      g_string_append_c (s, (char) (hi * 16 + lo));
      p += 2;
    }
  return g_string_free (s, FALSE);
}

static void
append_hex (GString *s, const guint8 *bytes, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", bytes[i]);
}

char *
occ_backup_manifest_to_string (const OccBackupManifest *m)
{
  GString *s = g_string_new (MANIFEST_MAGIC "\n");
  g_string_append_printf (s, "kind %s\nid %s\nbase %s\ncreated %" G_GINT64_FORMAT "\ncomplete %s\n",
                          m->kind == OCC_BACKUP_FULL ? "full" : "differential", m->id ? m->id : "-",
                          m->base_id ? m->base_id : "-", m->created, m->complete ? "yes" : "no");
  for (guint i = 0; i < m->entries->len; i++)
    {
      const OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      g_autofree char *path = occ_backup_escape (e->path);
      g_string_append_printf (s, "entry %c %04o %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %u %u ",
                              e->type, e->mode, e->size, e->mtime_ns, e->uid, e->gid);
      if (e->type == OCC_BACKUP_ENTRY_FILE)
        append_hex (s, e->sha256, 32);
      else
        g_string_append_c (s, '-');
      g_string_append_printf (s, " %c %s", e->in_archive ? '+' : '=', path);
      if (e->type == OCC_BACKUP_ENTRY_SYMLINK)
        {
          g_autofree char *target = occ_backup_escape (e->target);
          g_string_append_printf (s, " %s", target);
        }
      g_string_append_c (s, '\n');
    }
  for (guint i = 0; i < m->deleted->len; i++)
    {
      g_autofree char *path = occ_backup_escape (g_ptr_array_index (m->deleted, i));
      g_string_append_printf (s, "deleted %s\n", path);
    }
  for (guint i = 0; i < m->problems->len; i++)
    {
      const OccBackupProblem *pr = g_ptr_array_index (m->problems, i);
      g_autofree char *path = occ_backup_escape (pr->path);
      g_autofree char *reason = occ_backup_escape (pr->reason);
      g_string_append_printf (s, "problem %s %s\n", path, reason);
    }
  g_string_append (s, "end\n");
  return g_string_free (s, FALSE);
}

/* A relative path with no empty, "." or ".." component: joined to a
 * restore target it stays inside it. */
static gboolean
path_is_safe (const char *path)
{
  if (!*path || *path == '/')
    return FALSE;
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (!*parts[i] || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

static gboolean
parse_u64 (const char *s, guint64 max, guint64 *out)
{
  return g_ascii_string_to_unsigned (s, 10, 0, max, out, NULL);
}

gboolean
occ_backup_parse_hex32 (const char *s, guint8 *out)
{
  if (strlen (s) != 64)
    return FALSE;
  for (int i = 0; i < 32; i++)
    {
      int hi = g_ascii_xdigit_value (s[2 * i]), lo = g_ascii_xdigit_value (s[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi * 16 + lo);
    }
  return TRUE;
}

char **
occ_backup_text_lines (const char *data, gsize len, const char *magic, const char *what,
                       GError **error)
{
  if (memchr (data, '\0', len))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "%s holds a NUL byte", what);
      return NULL;
    }
  g_autofree char *text = g_strndup (data, len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  if (!lines[0] || strcmp (lines[0], magic) != 0)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "not a %s (no \"%s\" line)",
                   what, magic);
      return NULL;
    }
  return g_steal_pointer (&lines);
}

static OccBackupEntry *
parse_entry (char **f, guint n, GError **error)
{
  guint64 mode, size, mtime, uid, gid;
  if (n < 9 || strlen (f[1]) != 1 || !strchr ("fdl", f[1][0])
      || !g_ascii_string_to_unsigned (f[2], 8, 0, 07777, &mode, NULL)
      || !parse_u64 (f[3], G_MAXINT64, &size) || !parse_u64 (f[4], G_MAXINT64, &mtime)
      || !parse_u64 (f[5], G_MAXUINT32, &uid) || !parse_u64 (f[6], G_MAXUINT32, &gid)
      || (strcmp (f[8], "+") != 0 && strcmp (f[8], "=") != 0) || n != (f[1][0] == 'l' ? 11u : 10u))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "malformed entry line");
      return NULL;
    }
  g_autoptr (GError) e = NULL;
  OccBackupEntry *en = g_new0 (OccBackupEntry, 1);
  en->type = f[1][0];
  en->mode = (guint32) mode;
  en->size = size;
  en->mtime_ns = (gint64) mtime;
  en->uid = (guint32) uid;
  en->gid = (guint32) gid;
  en->in_archive = f[8][0] == '+';
  en->path = unescape (f[9], &e);
  if (en->path && en->type == OCC_BACKUP_ENTRY_SYMLINK)
    en->target = unescape (f[10], &e);
  gboolean ok = en->path && (en->type != OCC_BACKUP_ENTRY_SYMLINK || en->target);
  if (ok && en->type == OCC_BACKUP_ENTRY_FILE)
    ok = occ_backup_parse_hex32 (f[7], en->sha256);
  else if (ok)
    ok = strcmp (f[7], "-") == 0 && !en->in_archive;
  if (ok && !path_is_safe (en->path))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_UNSAFE, "unsafe path \"%s\"", f[9]);
      entry_free (en);
      return NULL;
    }
  if (!ok)
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "malformed entry for \"%s\"",
                   f[9]);
      entry_free (en);
      return NULL;
    }
  return en;
}

/* Entries must be sorted and unique, and each one's parent a folder of
 * the manifest: a restore then never creates anything below a symlink. */
static gboolean
check_tree (OccBackupManifest *m, GError **error)
{
  for (guint i = 0; i < m->entries->len; i++)
    {
      const OccBackupEntry *e = g_ptr_array_index (m->entries, i);
      if (i > 0
          && strcmp (((OccBackupEntry *) g_ptr_array_index (m->entries, i - 1))->path, e->path)
                 >= 0)
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE,
                       "entries not sorted at \"%s\"", e->path);
          return FALSE;
        }
      const char *slash = strrchr (e->path, '/');
      if (!slash)
        continue;
      g_autofree char *parent = g_strndup (e->path, (gsize) (slash - e->path));
      const OccBackupEntry *p = occ_backup_manifest_lookup (m, parent);
      if (!p || p->type != OCC_BACKUP_ENTRY_DIR)
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_UNSAFE,
                       "\"%s\" is not below a folder of the manifest", e->path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_header_line (OccBackupManifest *m, char **f, guint n, GError **error)
{
  const char *k = f[0];
  if (n != 2)
    goto bad;
  if (strcmp (k, "kind") == 0)
    {
      if (strcmp (f[1], "full") == 0)
        m->kind = OCC_BACKUP_FULL;
      else if (strcmp (f[1], "differential") == 0)
        m->kind = OCC_BACKUP_DIFFERENTIAL;
      else
        goto bad;
    }
  else if (strcmp (k, "id") == 0 && !m->id)
    m->id = g_strdup (f[1]);
  else if (strcmp (k, "base") == 0 && !m->base_id)
    m->base_id = strcmp (f[1], "-") == 0 ? NULL : g_strdup (f[1]);
  else if (strcmp (k, "created") == 0)
    {
      if (!g_ascii_string_to_signed (f[1], 10, 0, G_MAXINT64, &m->created, NULL))
        goto bad;
    }
  else if (strcmp (k, "complete") == 0)
    m->complete = strcmp (f[1], "yes") == 0;
  else
    goto bad;
  return TRUE;
bad:
  g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE, "bad line \"%s\"", k);
  return FALSE;
}

static gboolean
parse_line (OccBackupManifest *m, const char *line, GError **error)
{
  g_auto (GStrv) f = g_strsplit (line, " ", 12);
  guint n = g_strv_length (f);
  if (n == 0)
    return FALSE;
  if (strcmp (f[0], "entry") == 0)
    {
      OccBackupEntry *e = parse_entry (f, n, error);
      if (e)
        g_ptr_array_add (m->entries, e);
      return e != NULL;
    }
  if (strcmp (f[0], "deleted") == 0 && n == 2)
    {
      char *p = unescape (f[1], error);
      if (p && !path_is_safe (p))
        {
          g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_UNSAFE,
                       "unsafe deleted path \"%s\"", f[1]);
          g_clear_pointer (&p, g_free);
        }
      if (p)
        g_ptr_array_add (m->deleted, p);
      return p != NULL;
    }
  if (strcmp (f[0], "problem") == 0 && n == 3)
    {
      OccBackupProblem *pr = g_new0 (OccBackupProblem, 1);
      g_ptr_array_add (m->problems, pr);
      pr->path = unescape (f[1], error);
      pr->reason = pr->path ? unescape (f[2], error) : NULL;
      return pr->reason != NULL;
    }
  return parse_header_line (m, f, n, error);
}

OccBackupManifest *
occ_backup_manifest_parse (const char *data, gsize len, GError **error)
{
  g_autoptr (OccBackupManifest) m = occ_backup_manifest_new ();
  g_auto (GStrv) lines = occ_backup_text_lines (data, len, MANIFEST_MAGIC, "manifest", error);
  if (!lines)
    return NULL;
  gboolean ended = FALSE;
  for (guint i = 1; lines[i] && !ended; i++)
    {
      if (strcmp (lines[i], "end") == 0)
        {
          ended = lines[i + 1] && !*lines[i + 1] && !lines[i + 2];
          if (!ended)
            break;
          continue;
        }
      g_autoptr (GError) e = NULL;
      if (!parse_line (m, lines[i], &e))
        {
          g_set_error (error, OCC_BACKUP_ERROR, e ? e->code : OCC_BACKUP_ERROR_PARSE,
                       "manifest line %u: %s", i + 1, e ? e->message : "empty");
          return NULL;
        }
    }
  if (!ended || !m->id || (m->kind == OCC_BACKUP_DIFFERENTIAL) != (m->base_id != NULL))
    {
      g_set_error (error, OCC_BACKUP_ERROR, OCC_BACKUP_ERROR_PARSE,
                   "manifest incomplete (id, base or end missing)");
      return NULL;
    }
  if (!check_tree (m, error))
    return NULL;
  return g_steal_pointer (&m);
}
