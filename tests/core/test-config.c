/* Tests of configuration files: schemas, line numbers in errors, relative
 * paths, policies and saving the enabled list. */
#include "config.h"
#include "testlib.h"

typedef struct {
  char *dir;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->dir = occ_test_mkdtemp ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_test_rmtree (f->dir);
  g_free (f->dir);
}

static OccConfig *
load (Fixture *f, const char *text, GError **error)
{
  occ_test_write (f->dir, "omnicc.conf", text);
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  return occ_config_load (path, error);
}

static void
assert_mentions (const GError *e, const char *needle)
{
  g_assert_nonnull (e);
  if (strstr (e->message, needle) == NULL)
    g_error ("error “%s” does not mention “%s”", e->message, needle);
}

static void
test_unknown_key_named_with_line (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f, "# comment\n[core]\nstate-dir=/x\n\nstate-dri=/y\n", &e);
  g_assert_null (c);
  g_assert_error (e, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_INVALID);
  assert_mentions (e, "omnicc.conf:5: [core] state-dri: unknown key");
}

static void
test_unknown_group_and_types (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f,
                                  "[core]\n"
                                  "drain-timeout=soon\n"
                                  "[plugin]\n"
                                  "enabled=x\n",
                                  &e);
  g_assert_null (c);
  /* every problem is reported at once */
  assert_mentions (e, "omnicc.conf:2: [core] drain-timeout: expected an integer");
  assert_mentions (e, "omnicc.conf:3: [plugin]: unknown group");
}

static void
test_range_checked (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f, "[core]\ndrain-timeout=99999\n", &e);
  g_assert_null (c);
  assert_mentions (e, ":2: [core] drain-timeout: 99999 is out of range 0..3600");
}

static void
test_bad_log_level (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f, "[core]\n\nlog-level=loud\n", &e);
  g_assert_null (c);
  assert_mentions (e, ":3: [core] log-level: “loud” is not one of");
}

static void
test_parse_error_names_file (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f, "[core\nx\n", &e);
  g_assert_null (c);
  g_assert_error (e, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_PARSE);
  assert_mentions (e, "omnicc.conf");
  g_clear_error (&e);
  g_autoptr (OccConfig) c2 = load (f, "[core]\nstate-dir=\xff\xfe\n", &e);
  g_assert_null (c2);
  assert_mentions (e, "not UTF-8");
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autofree char *path = g_build_filename (f->dir, "nope.conf", NULL);
  g_autoptr (OccConfig) c = occ_config_load (path, &e);
  g_assert_null (c);
  g_assert_error (e, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_NOT_FOUND);
  assert_mentions (e, "nope.conf");
}

static void
test_relative_paths (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f,
                                  "[core]\nstate-dir=state\nplugin-path=p1;/abs/p2\n"
                                  "control-socket=run/ctl.sock\n"
                                  "[plugins]\nenabled=a;b\n",
                                  &e);
  g_assert_no_error (e);
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *p1 = g_build_filename (f->dir, "p1", NULL);
  g_autofree char *sock = g_build_filename (f->dir, "run", "ctl.sock", NULL);
  g_assert_cmpstr (occ_config_get_state_dir (c), ==, state);
  g_assert_cmpstr (occ_config_get_plugin_path (c)[0], ==, p1);
  g_assert_cmpstr (occ_config_get_plugin_path (c)[1], ==, "/abs/p2");
  g_assert_cmpstr (occ_config_get_control_socket (c), ==, sock);
  g_assert_true (occ_config_is_enabled (c, "b"));
  g_assert_false (occ_config_is_enabled (c, "c"));
  g_autofree char *pf = occ_config_get_plugin_file (c, "a");
  g_autofree char *want = g_build_filename (f->dir, "plugins.d", "a.conf", NULL);
  g_assert_cmpstr (pf, ==, want);
}

static const OccConfigKey schema[] = { { "sip", "port", OCC_CONFIG_INT, 1, 65535, "port" },
                                       { "sip", "tls", OCC_CONFIG_BOOL, 0, 0, "tls" },
                                       { "sip", "ratio", OCC_CONFIG_DOUBLE, 0, 1, "ratio" },
                                       { "sip", "codecs", OCC_CONFIG_STRING_LIST, 0, 0, "codecs" },
                                       { "trunk *", "host", OCC_CONFIG_STRING, 0, 0, "host" },
                                       { .group = NULL } };

static void
test_plugin_schema (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f, "[core]\n", &e);
  g_assert_no_error (e);
  /* no file: an empty config, not an error */
  g_autoptr (GKeyFile) none = occ_config_load_plugin (c, "sip", schema, &e);
  g_assert_no_error (e);
  g_assert_nonnull (none);

  occ_test_write (f->dir, "plugins.d/sip.conf",
                  "[sip]\nport=5060\ntls=true\nratio=0.5\ncodecs=PCMU;PCMA\n"
                  "[trunk operator1]\nhost=192.0.2.1\n");
  g_autoptr (GKeyFile) ok = occ_config_load_plugin (c, "sip", schema, &e);
  g_assert_no_error (e);
  g_assert_cmpint (g_key_file_get_integer (ok, "sip", "port", NULL), ==, 5060);

  occ_test_write (f->dir, "plugins.d/sip.conf",
                  "[sip]\nport=70000\ntls=maybe\nratio=2\n"
                  "[trunk]\nhost=x\n"
                  "[trunk b]\nhots=x\n");
  g_autoptr (GKeyFile) bad = occ_config_load_plugin (c, "sip", schema, &e);
  g_assert_null (bad);
  assert_mentions (e, "sip.conf:2: [sip] port: 70000 is out of range 1..65535");
  assert_mentions (e, "sip.conf:3: [sip] tls: expected true or false");
  assert_mentions (e, "sip.conf:4: [sip] ratio: 2 is out of range 0..1");
  assert_mentions (e, "sip.conf:5: [trunk]: unknown group");
  assert_mentions (e, "sip.conf:8: [trunk b] hots: unknown key");
  g_clear_error (&e);

  /* a plugin without a schema takes no configuration */
  occ_test_write (f->dir, "plugins.d/plain.conf", "[x]\ny=1\n");
  g_autoptr (GKeyFile) plain = occ_config_load_plugin (c, "plain", NULL, &e);
  g_assert_null (plain);
  assert_mentions (e, "unknown group");
}

static void
test_policies_merge (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *text = g_strdup_printf ("[core]\npolicy-dir=shipped\nsite-policy-dir=site\n");
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f, text, &e);
  g_assert_no_error (e);
  occ_test_write (
      f->dir, "shipped/backup.conf",
      "[schedule]\nfull-every=14\ndifferential-at=03:00\n[local]\nretention-days=365\n");
  occ_test_write (f->dir, "site/backup.conf", "[schedule]\ndifferential-at=02:30\n[extra]\nk=v\n");
  g_autoptr (GKeyFile) p = occ_config_load_policy (c, "backup", &e);
  g_assert_no_error (e);
  g_autofree char *full = g_key_file_get_string (p, "schedule", "full-every", NULL);
  g_autofree char *at = g_key_file_get_string (p, "schedule", "differential-at", NULL);
  g_autofree char *k = g_key_file_get_string (p, "extra", "k", NULL);
  g_assert_cmpstr (full, ==, "14");  /* shipped default kept */
  g_assert_cmpstr (at, ==, "02:30"); /* site override wins */
  g_assert_cmpstr (k, ==, "v");
  g_assert_cmpint (g_key_file_get_integer (p, "local", "retention-days", NULL), ==, 365);

  g_autoptr (GKeyFile) none = occ_config_load_policy (c, "nothing", &e);
  g_assert_null (none);
  g_assert_error (e, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_NOT_FOUND);
  g_clear_error (&e);
  g_autoptr (GKeyFile) evil = occ_config_load_policy (c, "../omnicc", &e);
  g_assert_null (evil);
  g_assert_error (e, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_INVALID);
  g_clear_error (&e);
  occ_test_write (f->dir, "site/broken.conf", "[x\n");
  g_autoptr (GKeyFile) broken = occ_config_load_policy (c, "broken", &e);
  g_assert_null (broken);
  g_assert_error (e, OCC_CONFIG_ERROR, OCC_CONFIG_ERROR_PARSE);
}

static void
test_shipped_policies_parse (void)
{
  /* every policy we ship parses */
  g_autofree char *dir = g_build_filename (SOURCE_ROOT, "policies", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *n;
  guint count = 0;
  while ((n = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (n, ".conf"))
        continue;
      g_autofree char *path = g_build_filename (dir, n, NULL);
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      g_autoptr (GError) e = NULL;
      g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &e);
      g_assert_no_error (e);
      count++;
    }
  g_assert_cmpuint (count, >, 0);
}

static void
test_save_enabled_keeps_comments (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_autoptr (OccConfig) c = load (f,
                                  "# Site of Abidjan\n[core]\n# where state lives\nstate-dir=/x\n"
                                  "[plugins]\nenabled=a\n",
                                  &e);
  g_assert_no_error (e);
  const char *want[] = { "a", "b", NULL };
  g_assert_true (occ_config_set_enabled (c, want, &e));
  g_assert_no_error (e);
  g_assert_true (occ_config_is_enabled (c, "b"));
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autofree char *text = occ_test_read (path);
  g_assert_nonnull (strstr (text, "# Site of Abidjan"));
  g_assert_nonnull (strstr (text, "# where state lives"));
  g_assert_nonnull (strstr (text, "enabled=a;b;"));
  g_autoptr (OccConfig) again = occ_config_load (path, &e);
  g_assert_no_error (e);
  g_assert_true (occ_config_is_enabled (again, "b"));
}

static void
test_find_line (void)
{
  const char *text = "[a]\nk=1\n[b]\n  k = 2\nk[fr]=3\n#k=4\n";
  g_assert_cmpuint (occ_config_find_line (text, "a", "k"), ==, 2);
  g_assert_cmpuint (occ_config_find_line (text, "b", "k"), ==, 4);
  g_assert_cmpuint (occ_config_find_line (text, "b", NULL), ==, 3);
  g_assert_cmpuint (occ_config_find_line (text, "c", "k"), ==, 0);
  g_assert_cmpuint (occ_config_find_line (text, "a", "kk"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/config/core/unknown-key-named-with-file-and-line", test_unknown_key_named_with_line);
  ADD ("/config/core/every-problem-reported", test_unknown_group_and_types);
  ADD ("/config/core/range-checked", test_range_checked);
  ADD ("/config/core/bad-log-level-refused", test_bad_log_level);
  ADD ("/config/core/parse-error-names-file", test_parse_error_names_file);
  ADD ("/config/core/missing-file-refused", test_missing_file);
  ADD ("/config/core/relative-paths-from-config-folder", test_relative_paths);
  ADD ("/config/plugin/schema-checks-types-bounds-and-groups", test_plugin_schema);
  ADD ("/config/policy/site-overrides-shipped-key-by-key", test_policies_merge);
  ADD ("/config/save/enabled-list-keeps-comments", test_save_enabled_keeps_comments);
  g_test_add_func ("/config/policy/shipped-policies-parse", test_shipped_policies_parse);
  g_test_add_func ("/config/lines/found-for-group-and-key", test_find_line);
  return g_test_run ();
}
