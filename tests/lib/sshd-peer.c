/* See sshd-peer.h. */
#include "sshd-peer.h"

#include "peers.h"
#include "testlib.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SSHD "/usr/sbin/sshd"

static gboolean
keygen (const char *path)
{
  const char *argv[]
      = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "omnicc-test", "-f", path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = occ_test_run (argv, &out, &err);
  if (status != 0)
    g_printerr ("# ssh-keygen %s: %s\n", path, err);
  return status == 0;
}

static char *
read_pub (const char *key)
{
  g_autofree char *pub = g_strconcat (key, ".pub", NULL);
  g_autofree char *text = occ_test_read (pub);
  return g_strchomp (g_strdup (text));
}

static void
write_config (OccTestSshd *s, const char *data)
{
  g_autofree char *text = g_strdup_printf ("ListenAddress 127.0.0.1:%d\n"
                                           "HostKey %s/host_key\n"
                                           "PidFile %s/sshd.pid\n"
                                           "AuthorizedKeysFile %s/authorized_keys\n"
                                           "PermitRootLogin prohibit-password\n"
                                           "PubkeyAuthentication yes\n"
                                           "PasswordAuthentication no\n"
                                           "KbdInteractiveAuthentication no\n"
                                           "UsePAM no\n"
                                           "StrictModes no\n"
                                           "Subsystem sftp internal-sftp\n"
                                           "LogLevel VERBOSE\n",
                                           s->port, data, data, data);
  occ_test_write (data, "sshd_config", text);
}

/* Keys, known_hosts files and config under @s->dir/data. */
static gboolean
prepare (OccTestSshd *s)
{
  g_autofree char *data = g_build_filename (s->dir, "data", NULL);
  g_autofree char *host_key = g_build_filename (data, "host_key", NULL);
  g_autofree char *other_host_key = g_build_filename (data, "other_host_key", NULL);
  g_mkdir_with_parents (data, 0700);
  s->client_key = g_build_filename (data, "client_key", NULL);
  s->other_key = g_build_filename (data, "other_key", NULL);
  if (!keygen (host_key) || !keygen (other_host_key) || !keygen (s->client_key)
      || !keygen (s->other_key))
    return FALSE;
  g_autofree char *authorized = read_pub (s->client_key);
  g_autofree char *line = g_strconcat (authorized, "\n", NULL);
  occ_test_write (data, "authorized_keys", line);
  g_autofree char *host_pub = read_pub (host_key);
  g_autofree char *other_pub = read_pub (other_host_key);
  g_autofree char *known = g_strdup_printf ("[127.0.0.1]:%d %s\n", s->port, host_pub);
  g_autofree char *wrong = g_strdup_printf ("[127.0.0.1]:%d %s\n", s->port, other_pub);
  occ_test_write (data, "known_hosts", known);
  occ_test_write (data, "wrong_known_hosts", wrong);
  s->known_hosts = g_build_filename (data, "known_hosts", NULL);
  s->wrong_known_hosts = g_build_filename (data, "wrong_known_hosts", NULL);
  s->config = g_build_filename (data, "sshd_config", NULL);
  s->log = g_build_filename (data, "sshd.log", NULL);
  s->root = g_build_filename (data, "files", NULL);
  g_mkdir_with_parents (s->root, 0700);
  write_config (s, data);
  /* the privilege separation folder Debian's unit makes at boot */
  if (geteuid () == 0 && !g_file_test ("/run/sshd", G_FILE_TEST_IS_DIR)
      && g_mkdir ("/run/sshd", 0755) < 0 && errno != EEXIST)
    return FALSE;
  return TRUE;
}

static gboolean
port_open (gpointer data)
{
  return occ_test_port_taken (GPOINTER_TO_INT (data), SOCK_STREAM);
}

gboolean
occ_test_sshd_restart (OccTestSshd *s)
{
  const char *argv[] = { SSHD, "-D", "-e", "-f", s->config, NULL };
  g_autoptr (GError) error = NULL;
  s->pid = occ_test_spawn (argv, NULL, s->log, &error);
  if (s->pid == 0)
    {
      g_printerr ("# cannot start sshd: %s\n", error->message);
      return FALSE;
    }
  if (!occ_test_poll_until (port_open, GINT_TO_POINTER (s->port), 10000))
    {
      g_autofree char *log = occ_test_read (s->log);
      g_printerr ("# sshd did not listen on %d:\n%s\n", s->port, log);
      return FALSE;
    }
  return TRUE;
}

OccTestSshd *
occ_test_sshd_start (void)
{
  g_autoptr (OccTestSshd) s = g_new0 (OccTestSshd, 1);
  s->dir = occ_test_mkdtemp ();
  s->port = occ_test_free_port ();
  struct passwd *pw = getpwuid (geteuid ());
  s->user = g_strdup (pw ? pw->pw_name : "root");
  if (!g_file_test (SSHD, G_FILE_TEST_IS_EXECUTABLE) || !prepare (s) || !occ_test_sshd_restart (s))
    return NULL;
  return g_steal_pointer (&s);
}

/* The parent pid of @pid from /proc, or 0. */
static GPid
parent_of (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* "pid (comm) state ppid …": comm may hold spaces, so from the last ')' */
  const char *p = strrchr (text, ')');
  int ppid = 0;
  char state;
  if (p == NULL || sscanf (p + 1, " %c %d", &state, &ppid) != 2)
    return 0;
  return ppid;
}

/* Adds the descendants of @root to @out (at most 64 processes). */
static void
descendants (GPid root, GArray *out)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  GPid pids[1024];
  guint n = 0;
  while (proc && n < G_N_ELEMENTS (pids) && (name = g_dir_read_name (proc)))
    if (g_ascii_isdigit (name[0]))
      pids[n++] = atoi (name);
  g_array_append_val (out, root);
  for (guint i = 0; i < out->len && out->len < 64; i++)
    for (guint j = 0; j < n; j++)
      if (parent_of (pids[j]) == g_array_index (out, GPid, i))
        g_array_append_val (out, pids[j]);
}

void
occ_test_sshd_crash (OccTestSshd *s)
{
  if (s->pid <= 0)
    return;
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (GPid));
  descendants (s->pid, all);
  for (guint i = 0; i < all->len; i++)
    kill (g_array_index (all, GPid, i), SIGKILL);
}

void
occ_test_sshd_stop (OccTestSshd *s)
{
  if (s->pid <= 0)
    return;
  occ_test_sshd_crash (s);
  occ_test_process_stop (s->pid, SIGKILL, 1000);
  s->pid = 0;
}

void
occ_test_sshd_free (OccTestSshd *s)
{
  if (s == NULL)
    return;
  occ_test_sshd_stop (s);
  occ_test_rmtree (s->dir);
  g_free (s->dir);
  g_free (s->config);
  g_free (s->log);
  g_free (s->user);
  g_free (s->client_key);
  g_free (s->other_key);
  g_free (s->known_hosts);
  g_free (s->wrong_known_hosts);
  g_free (s->root);
  g_free (s);
}
