/* `omnicc run`: writes (or refreshes) the demo site's config in a state
 * folder, starts omniccd on it in the foreground, waits until it answers,
 * and prints where to point things at it. Ctrl-C stops it gracefully. */
#include "client.h"
#include "demo-billing.h"
#include "paths.h"
#include "run.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  GMainLoop *loop;
  GSubprocess *daemon;
  int status;
  gboolean exited;
} Run;

/* Copies the demo's plugins.d files that the state folder lacks. */
static gboolean
seed_plugins_d (const char *demo_dir, const char *state_dir, GError **error)
{
  g_autofree char *from = g_build_filename (demo_dir, "plugins.d", NULL);
  g_autofree char *to = g_build_filename (state_dir, "plugins.d", NULL);
  if (g_mkdir_with_parents (to, 0750) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s", to);
      return FALSE;
    }
  g_autoptr (GDir) d = g_dir_open (from, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *text = NULL;
      gsize len;
      if (g_file_test (dst, G_FILE_TEST_EXISTS) || !g_str_has_suffix (name, ".conf"))
        continue;
      if (!g_file_get_contents (src, &text, &len, error)
          || !g_file_set_contents (dst, text, len, error))
        return FALSE;
    }
  return TRUE;
}

/* The demo's backups: on the first run a key (32 random bytes, mode 0600)
 * beside the site and plugins.d/backup.conf saving the site's config
 * folder; the archives go to the state folder's backup/. */
static gboolean
seed_backup (const char *state_dir, GError **error)
{
  g_autofree char *conf = g_build_filename (state_dir, "plugins.d", "backup.conf", NULL);
  g_autofree char *key = g_build_filename (state_dir, "backup.key", NULL);
  if (g_file_test (conf, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_file_test (key, G_FILE_TEST_EXISTS))
    {
      guint8 bytes[32];
      int in = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
      gboolean got = in >= 0 && read (in, bytes, sizeof bytes) == (ssize_t) sizeof bytes;
      if (in >= 0)
        close (in);
      int out = got ? g_open (key, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
      gboolean wrote = out >= 0 && write (out, bytes, sizeof bytes) == (ssize_t) sizeof bytes;
      if (out >= 0)
        close (out);
      memset (bytes, 0, sizeof bytes);
      if (!wrote)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write the backup key %s",
                       key);
          return FALSE;
        }
    }
  g_autofree char *text
      = g_strdup_printf ("# The demo site's backups (written by omnicc run, with backup.key): the\n"
                         "# site's config folder and its store, a full now and nightly at 02:30,\n"
                         "# kept in data/backup. See docs/admin-guide.md, \"Backups\".\n"
                         "[backup]\n"
                         "key-file=%s\n"
                         "exclude=config/data;config/control.sock;config/backup.key;"
                         "config/demo-agent-password;config/*.log\n"
                         "\n"
                         "[source config]\n"
                         "path=%s\n",
                         key, state_dir);
  return g_file_set_contents (conf, text, -1, error);
}

/* Writes <state>/omnicc.conf: the demo's template on first run; on later
 * runs only the path keys are refreshed, so what the admin enabled stays. */
static char *
prepare_config (const char *state_dir, GError **error)
{
  const OccPaths *paths = occ_paths_get ();
  g_autofree char *demo_dir = g_build_filename (paths->data_dir, "examples", "demo", NULL);
  g_autofree char *conf = g_build_filename (state_dir, "omnicc.conf", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  const char *source = g_file_test (conf, G_FILE_TEST_EXISTS) ? conf : NULL;
  g_autofree char *template = g_build_filename (demo_dir, "omnicc.conf", NULL);
  if (!g_key_file_load_from_file (kf, source ? source : template, G_KEY_FILE_KEEP_COMMENTS, error))
    {
      g_prefix_error (error, "%s: ", source ? source : template);
      return NULL;
    }
  g_autofree char *sock = g_build_filename (state_dir, "control.sock", NULL);
  g_autofree char *data = g_build_filename (state_dir, "data", NULL);
  g_key_file_set_string (kf, "core", "plugin-path", paths->plugin_dir);
  g_key_file_set_string (kf, "core", "data-dir", paths->data_dir);
  g_key_file_set_string (kf, "core", "policy-dir", paths->policy_dir);
  g_key_file_set_string (kf, "core", "state-dir", data);
  g_key_file_set_string (kf, "core", "control-socket", sock);
  /* the demo's socket belongs to whoever runs it */
  struct group *gr = getgrgid (getgid ());
  g_key_file_set_string (kf, "core", "control-group", gr ? gr->gr_name : "");
  if (g_mkdir_with_parents (data, 0750) != 0 || !seed_plugins_d (demo_dir, state_dir, error)
      || !seed_backup (state_dir, error))
    return NULL;
  if (!g_key_file_save_to_file (kf, conf, error))
    return NULL;
  return g_steal_pointer (&conf);
}

/* The demo IVR's settings, refreshed on every run: its flows and prompts
 * (the site's folders first, then the shipped ones — or those the build
 * generated, when run from the build tree), and the port of the fake
 * billing service that its balance node asks. */
static gboolean
refresh_ivr_conf (const char *state_dir, guint16 billing_port, GError **error)
{
  const OccPaths *paths = occ_paths_get ();
  g_autofree char *conf = g_build_filename (state_dir, "plugins.d", "ivr.conf", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (g_file_test (conf, G_FILE_TEST_EXISTS)
      && !g_key_file_load_from_file (kf, conf, G_KEY_FILE_KEEP_COMMENTS, error))
    {
      g_prefix_error (error, "%s: ", conf);
      return FALSE;
    }
  g_autofree char *site_flows = g_build_filename (state_dir, "ivr", NULL);
  g_autofree char *site_prompts = g_build_filename (state_dir, "prompts", NULL);
  g_autofree char *flows = g_build_filename (paths->data_dir, "examples", "ivr", NULL);
  const char *flow_dirs[] = { site_flows, flows };
  const char *prompt_dirs[] = { site_prompts, paths->prompt_dir };
  g_key_file_set_string_list (kf, "ivr", "flow-dirs", flow_dirs, 2);
  g_key_file_set_string_list (kf, "ivr", "prompt-dirs", prompt_dirs, 2);
  if (billing_port)
    g_key_file_set_integer (kf, "variables", "billing_port", billing_port);
  return g_mkdir_with_parents (site_flows, 0750) == 0
         && g_mkdir_with_parents (site_prompts, 0750) == 0
         && g_key_file_save_to_file (kf, conf, error);
}

static void
on_daemon_exit (GObject *source, GAsyncResult *res, gpointer data)
{
  Run *r = data;
  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  r->exited = TRUE;
  r->status = g_subprocess_get_if_exited (r->daemon) ? g_subprocess_get_exit_status (r->daemon) : 1;
  g_main_loop_quit (r->loop);
}

static gboolean
on_signal (gpointer data)
{
  Run *r = data;
  if (!r->exited)
    g_subprocess_send_signal (r->daemon, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_ready (Run *r, const char *sock)
{
  for (int i = 0; i < 200 && !r->exited; i++)
    {
      g_autoptr (OccClient) c = occ_client_connect (sock, NULL);
      if (c)
        {
          int code;
          g_autoptr (JsonNode) st = occ_client_call (c, "status", NULL, &code, NULL);
          /* a refusal (no session, not allowed) is an answer too */
          if (st || code == OCC_EXIT_FAILED || code == OCC_EXIT_DENIED)
            return TRUE;
        }
      g_usleep (50000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  return FALSE;
}

/* Fills the demo site with customers and interactions (idempotent: the
 * records have fixed ids), when the records plugin is there. */
static void
seed_demo (const char *sock)
{
  g_autoptr (OccClient) c = occ_client_connect (sock, NULL);
  if (c == NULL)
    return;
  int code;
  g_autoptr (GError) e = NULL;
  g_autoptr (JsonNode) r = occ_client_call (c, "records.seed-demo", NULL, &code, &e);
  if (r && JSON_NODE_HOLDS_OBJECT (r))
    g_print ("demo data: %" G_GINT64_FORMAT " customers, %" G_GINT64_FORMAT " interactions\n",
             json_object_get_int_member_with_default (json_node_get_object (r), "customers", 0),
             json_object_get_int_member_with_default (json_node_get_object (r), "interactions", 0));
  else if (code == OCC_EXIT_FAILED || code == OCC_EXIT_DENIED)
    g_printerr ("omnicc run: no demo data: %s\n", e->message);
}

/* One call to the daemon as the local operator; the result, or NULL. */
static JsonNode *
ask (OccClient *c, const char *command, JsonObject *args)
{
  int code;
  return occ_client_call (c, command, args, &code, NULL);
}

/* The demo agent whose phone registers: made on the first run with a
 * random password kept beside the site (mode 0600), and signed in once at
 * every run so that its SIP credentials exist. Returns the password
 * (transfer full), or NULL without the sip plugin or access. */
static char *
demo_agent (const char *sock, const char *state_dir)
{
  g_autoptr (OccClient) c = occ_client_connect (sock, NULL);
  if (c == NULL)
    return NULL;
  g_autoptr (JsonNode) sip = ask (c, "sip.status", NULL);
  if (sip == NULL)
    return NULL;
  g_autofree char *path = g_build_filename (state_dir, "demo-agent-password", NULL);
  g_autofree char *password = NULL;
  if (g_file_get_contents (path, &password, NULL, NULL))
    g_strchomp (password);
  else
    {
      /* letters and digits, 16 of them: typed into a phone by hand */
      static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
      GString *s = g_string_new (NULL);
      for (int i = 0; i < 16; i++)
        g_string_append_c (s, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);
      g_string_append (s, "9a");
      password = g_string_free (s, FALSE);
      g_autoptr (JsonObject) add = json_object_new ();
      json_object_set_string_member (add, "login", "agent1");
      json_object_set_string_member (add, "display_name", "Demo Agent");
      json_object_set_string_member (add, "password", password);
      g_autoptr (JsonNode) added = ask (c, "user.add", add);
      g_autoptr (JsonObject) grant = json_object_new ();
      json_object_set_string_member (grant, "login", "agent1");
      json_object_set_string_member (grant, "role", "agent");
      g_autoptr (JsonNode) granted = ask (c, "user.grant", grant);
      if (added == NULL || granted == NULL)
        return NULL;
      int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0)
        {
          g_autofree char *line = g_strconcat (password, "\n", NULL);
          if (write (fd, line, strlen (line)) < 0)
            g_printerr ("omnicc run: cannot keep the demo agent's password in %s\n", path);
          close (fd);
        }
    }
  g_autoptr (JsonObject) open = json_object_new ();
  json_object_set_string_member (open, "login", "agent1");
  json_object_set_string_member (open, "password", password);
  g_autoptr (JsonNode) session = ask (c, "session.open", open);
  if (session == NULL)
    return NULL;
  /* the sign-in derived the SIP credentials; the session is not needed */
  return g_steal_pointer (&password);
}

/* The first-run administrator's one-time password, when auth-local made
 * one (it writes the file before the account). */
static void
print_initial_admin (const char *sock, const char *state_dir)
{
  g_autofree char *path = g_build_filename (state_dir, "data", "initial-admin-password", NULL);
  g_autoptr (OccClient) c = occ_client_connect (sock, NULL);
  for (int i = 0; c && i < 100; i++)
    {
      int code;
      g_autoptr (JsonNode) list = occ_client_call (c, "auth-local.list", NULL, &code, NULL);
      if (list == NULL || !JSON_NODE_HOLDS_OBJECT (list))
        return; /* auth-local is not loaded */
      gint64 accounts
          = json_object_get_int_member_with_default (json_node_get_object (list), "count", 0);
      /* read after the list: the file is written before the account */
      g_autofree char *password = NULL;
      if (g_file_get_contents (path, &password, NULL, NULL))
        {
          g_print ("  administrator:   admin, one-time password %s\n"
                   "                   (from %s; it signs in only to be changed:\n"
                   "                   omnicc login admin, then\n"
                   "                   omnicc auth-local passwd login=admin old=… new=…,\n"
                   "                   then omnicc login admin with the new one)\n",
                   g_strchomp (password), path);
          return;
        }
      if (accounts > 0)
        return; /* the administrator has a password of its own already */
      g_usleep (50 * 1000);
    }
}

static void
print_banner (const char *sock, const char *conf, const char *state_dir)
{
  g_autoptr (OccClient) c = occ_client_connect (sock, NULL);
  int code;
  g_autoptr (JsonNode) list = c ? occ_client_call (c, "plugin.list", NULL, &code, NULL) : NULL;
  g_print ("\nomniccd is running with the demo site.\n");
  g_print ("  config:          %s\n", conf);
  g_print ("  control socket:  %s\n", sock);
  if (list && JSON_NODE_HOLDS_ARRAY (list))
    {
      JsonArray *a = json_node_get_array (list);
      g_print ("  plugins:\n");
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *p = json_array_get_object_element (a, i);
          const char *reason = json_object_get_string_member_with_default (p, "reason", "");
          g_print ("    %-24s %-10s %s\n", json_object_get_string_member (p, "name"),
                   json_object_get_string_member (p, "state"),
                   *reason ? reason
                           : json_object_get_string_member_with_default (p, "summary", ""));
        }
    }
  print_initial_admin (sock, state_dir);
  g_autofree char *agent_password = demo_agent (sock, state_dir);
  if (agent_password)
    g_print ("  SIP phone:       register as agent1, password %s,\n"
             "                   at sip:127.0.0.1:5060 (UDP or TCP, realm omnicc);\n"
             "  a call:          from a second SIP client on this machine, call\n"
             "                   sip:1000@127.0.0.1:5060 — it rings agent1's phone;\n"
             "  through a queue: sip:1001@127.0.0.1:5060 waits in the ACD queue \"demo\"\n"
             "                   until: omnicc agent ready login=agent1\n"
             "  the IVR:         sip:1002@127.0.0.1:5060 — 1 your balance, 2 an agent\n"
             "                   (queue \"support\", then a survey), 3 a call-back\n"
             "                   (omnicc callback list), 9 English\n",
             agent_password);
  else
    g_print ("  SIP phones:      none: the sip and media plugins are not loaded.\n");
  g_autoptr (JsonNode) backups = c ? occ_client_call (c, "backup.status", NULL, &code, NULL) : NULL;
  if (backups && JSON_NODE_HOLDS_OBJECT (backups))
    g_print ("  backups:         omnicc backup list | omnicc backup run | omnicc backup verify\n"
             "                   (archives in %s, key %s/backup.key)\n",
             json_object_get_string_member_with_default (json_node_get_object (backups),
                                                         "archive-dir", "?"),
             state_dir);
  g_print ("\nIn another terminal:  omnicc plugin list | omnicc status | omnicc events --follow\n");
  g_print ("Stop with Ctrl-C.\n\n");
  fflush (stdout);
}

int
occ_cli_run (int argc, char **argv)
{
  g_autofree char *state_dir = NULL;
  for (int i = 0; i < argc; i++)
    {
      if (strcmp (argv[i], "--state-dir") == 0 && i + 1 < argc)
        state_dir = g_canonicalize_filename (argv[++i], NULL);
      else
        {
          g_printerr ("omnicc run: unknown argument %s (only --state-dir DIR)\n", argv[i]);
          return OCC_EXIT_USAGE;
        }
    }
  if (state_dir == NULL)
    state_dir = occ_client_default_run_dir ();
  if (g_mkdir_with_parents (state_dir, 0750) != 0)
    {
      g_printerr ("omnicc run: cannot create %s\n", state_dir);
      return OCC_EXIT_FAILED;
    }
  g_autofree char *sock = g_build_filename (state_dir, "control.sock", NULL);
  g_autoptr (OccClient) running = occ_client_connect (sock, NULL);
  if (running)
    {
      g_printerr ("omnicc run: an omniccd already runs on %s (stop it with: omnicc --socket %s "
                  "stop)\n",
                  sock, sock);
      return OCC_EXIT_FAILED;
    }
  g_autoptr (GError) e = NULL;
  g_autofree char *conf = prepare_config (state_dir, &e);
  /* the demo IVR's balance comes from a fake billing service in this
   * process, on 127.0.0.1 */
  guint16 billing = conf ? omnicc_demo_billing_start (&e) : 0;
  if (conf && billing == 0)
    {
      g_printerr ("omnicc run: no demo billing service (the IVR's balance will be "
                  "unavailable): %s\n",
                  e->message);
      g_clear_error (&e);
    }
  if (conf == NULL || !refresh_ivr_conf (state_dir, billing, &e))
    {
      g_printerr ("omnicc run: %s\n", e->message);
      return OCC_EXIT_FAILED;
    }
  const char *daemon = occ_paths_get ()->daemon;
  Run r = { g_main_loop_new (NULL, FALSE), NULL, 0, FALSE };
  r.daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &e, daemon, "--config", conf, NULL);
  if (r.daemon == NULL)
    {
      g_printerr ("omnicc run: cannot start %s: %s\n", daemon, e->message);
      g_main_loop_unref (r.loop);
      return OCC_EXIT_FAILED;
    }
  g_subprocess_wait_async (r.daemon, NULL, on_daemon_exit, &r);
  guint s1 = g_unix_signal_add (SIGINT, on_signal, &r);
  guint s2 = g_unix_signal_add (SIGTERM, on_signal, &r);
  if (wait_ready (&r, sock))
    {
      seed_demo (sock);
      print_banner (sock, conf, state_dir);
    }
  else if (!r.exited)
    g_printerr ("omnicc run: omniccd does not answer on %s yet\n", sock);
  if (!r.exited)
    g_main_loop_run (r.loop);
  g_source_remove (s1);
  g_source_remove (s2);
  g_object_unref (r.daemon);
  g_main_loop_unref (r.loop);
  omnicc_demo_billing_stop ();
  if (r.status != 0)
    g_printerr ("omnicc run: omniccd exited with status %d\n", r.status);
  return r.status == 0 ? OCC_EXIT_OK : OCC_EXIT_FAILED;
}
