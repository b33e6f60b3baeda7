/* Real peers for tests: the process guard, waits and free ports; see
 * peers.h. */
#include "peers.h"

#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- the guard ---------------------------------------------------------------------- */

#define MAX_GUARDED 32

/* Leaders of the process groups still running: read by signal handlers,
 * hence plain integers in a fixed array. */
static volatile sig_atomic_t guarded[MAX_GUARDED];
static struct sigaction previous[NSIG];

static void
kill_guarded (void)
{
  for (int i = 0; i < MAX_GUARDED; i++)
    {
      pid_t pid = guarded[i];
      if (pid <= 0)
        continue;
      kill (-pid, SIGKILL);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      guarded[i] = 0;
    }
}

static void
on_fatal_signal (int signum)
{
  kill_guarded ();
  /* then whatever was there before: another guard, or the default action
   * (the signal, blocked while we run, is delivered when we return) */
  sigaction (signum, &previous[signum], NULL);
  raise (signum);
}

static void
guard_install (void)
{
  static gboolean installed;
  if (installed)
    return;
  installed = TRUE;
  atexit (kill_guarded);
  const int sigs[]
      = { SIGABRT, SIGSEGV, SIGBUS, SIGTERM, SIGINT, SIGTRAP, SIGFPE, SIGILL, SIGHUP, SIGQUIT };
  struct sigaction sa = { .sa_handler = on_fatal_signal };
  sigemptyset (&sa.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (sigs); i++)
    sigaction (sigs[i], &sa, &previous[sigs[i]]);
}

void
occ_test_guard_add (GPid pid)
{
  g_return_if_fail (pid > 0);
  guard_install ();
  for (int i = 0; i < MAX_GUARDED; i++)
    if (guarded[i] == 0)
      {
        guarded[i] = pid;
        return;
      }
  g_error ("more than %d test peers at once", MAX_GUARDED);
}

void
occ_test_guard_remove (GPid pid)
{
  for (int i = 0; i < MAX_GUARDED; i++)
    if (guarded[i] == pid)
      guarded[i] = 0;
}

void
occ_test_guard_child_setup (gpointer data)
{
  /* a group of its own, so that whatever it starts goes with it */
  setpgid (0, 0);
  /* dies with the test, even a test killed with SIGKILL */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* the test may have died before the line above */
  if (data != NULL && getppid () != (pid_t) GPOINTER_TO_INT (data))
    _exit (127);
}

GPid
occ_test_spawn (const char *const *argv, const char *cwd, const char *log, GError **error)
{
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, 0);
  int fd = -1;
  GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD;
  if (log != NULL)
    {
      fd = g_open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", log,
                       g_strerror (errno));
          return 0;
        }
    }
  else
    flags |= G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL;
  GPid pid = 0;
  gboolean ok
      = g_spawn_async_with_fds (cwd, (char **) argv, NULL, flags, occ_test_guard_child_setup,
                                GINT_TO_POINTER (getpid ()), &pid, -1, fd, fd, error);
  if (fd >= 0)
    close (fd);
  if (!ok)
    return 0;
  /* the parent's side too: no window in which a signal would miss it */
  setpgid (pid, pid);
  occ_test_guard_add (pid);
  return pid;
}

/* --- waiting ------------------------------------------------------------------------ */

gboolean
occ_test_process_alive (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  /* "pid (comm) S …": the state follows the last parenthesis */
  const char *end = strrchr (text, ')');
  return end != NULL && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';
}

/* TRUE if @pid, our child, has exited (not reaped yet, so that its pid
 * and process group cannot be reused meanwhile). */
static gboolean
has_exited (GPid pid)
{
  siginfo_t info = { 0 };
  if (waitid (P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;
  return info.si_pid == pid;
}

static gboolean
exited_cb (gpointer data)
{
  return has_exited (GPOINTER_TO_INT (data));
}

/* Reaps @pid, which has exited, after killing what is left of its group. */
static int
reap (GPid pid)
{
  kill (-pid, SIGKILL);
  int status = 0;
  if (waitpid (pid, &status, 0) != pid)
    status = 0;
  occ_test_guard_remove (pid);
  return status;
}

gboolean
occ_test_process_wait (GPid pid, guint timeout_ms, int *status)
{
  g_return_val_if_fail (pid > 0, FALSE);
  if (!occ_test_poll_until (exited_cb, GINT_TO_POINTER (pid), timeout_ms))
    return FALSE;
  int st = reap (pid);
  if (status)
    *status = st;
  return TRUE;
}

int
occ_test_process_stop (GPid pid, int signum, guint grace_ms)
{
  g_return_val_if_fail (pid > 0, 0);
  if (!has_exited (pid))
    {
      if (kill (-pid, signum) != 0)
        kill (pid, signum);
      if (!occ_test_poll_until (exited_cb, GINT_TO_POINTER (pid), grace_ms))
        {
          g_test_message ("process %d ignored signal %d for %u ms; killing it", pid, signum,
                          grace_ms);
          kill (-pid, SIGKILL);
          kill (pid, SIGKILL);
        }
    }
  return reap (pid);
}

int
occ_test_exit_code (int wait_status)
{
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  if (WIFSIGNALED (wait_status))
    return 128 + WTERMSIG (wait_status);
  return -1;
}

double
occ_test_group_cpu_seconds (GPid leader)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  double ticks = 0;
  gboolean any = FALSE;
  while (proc && (name = g_dir_read_name (proc)) != NULL)
    {
      if (!g_ascii_isdigit (name[0]))
        continue;
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *text = NULL;
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      /* "pid (comm) state ppid pgrp … utime stime": fields 5, 14 and 15 */
      const char *end = strrchr (text, ')');
      if (end == NULL || end[1] == '\0')
        continue;
      g_auto (GStrv) f = g_strsplit (end + 2, " ", 14);
      if (g_strv_length (f) < 14 || atoi (f[2]) != leader)
        continue;
      ticks += g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL);
      any = TRUE;
    }
  return any ? ticks / (double) sysconf (_SC_CLK_TCK) : -1;
}

static gboolean
group_gone (gpointer data)
{
  return occ_test_group_cpu_seconds (GPOINTER_TO_INT (data)) < 0;
}

gboolean
occ_test_group_wait_gone (GPid leader, guint timeout_ms)
{
  return occ_test_poll_until (group_gone, GINT_TO_POINTER (leader), timeout_ms);
}

static gboolean
tick (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

gboolean
occ_test_poll_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  /* wakes the loop below at least every 10 ms */
  guint id = g_timeout_add (10, tick, NULL);
  gboolean ok;
  /* @cond runs once a turn: it may take what it found (a message…) */
  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return ok;
}

/* --- free ports --------------------------------------------------------------------- */

#define MAX_HANDED 1024

/* ports handed out by this process: another test of the same binary may
 * not have bound its port yet */
static int handed[MAX_HANDED];
static guint n_handed;

static gboolean
was_handed (int port)
{
  for (guint i = 0; i < n_handed; i++)
    if (handed[i] == port)
      return TRUE;
  return FALSE;
}

static void
hand (int port)
{
  if (n_handed < MAX_HANDED)
    handed[n_handed++] = port;
}

/* A socket of @type bound to 127.0.0.1:@port (0: any), or -1; *@bound
 * receives the port. */
static int
bind_loopback (int type, int port, int *bound)
{
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_port = htons ((uint16_t) port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  if (bind (fd, (struct sockaddr *) &a, sizeof a) != 0
      || getsockname (fd, (struct sockaddr *) &a, &len) != 0)
    {
      close (fd);
      return -1;
    }
  if (bound)
    *bound = ntohs (a.sin_port);
  return fd;
}

gboolean
occ_test_port_taken (int port, int type)
{
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_port = htons ((uint16_t) port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  gboolean taken = bind (fd, (struct sockaddr *) &a, sizeof a) != 0 && errno == EADDRINUSE;
  close (fd);
  return taken;
}

static int
free_port_of (int type)
{
  for (int attempt = 0; attempt < 100; attempt++)
    {
      int port = 0;
      int fd = bind_loopback (type, 0, &port);
      g_assert_cmpint (fd, >=, 0);
      close (fd);
      if (!was_handed (port))
        {
          hand (port);
          return port;
        }
    }
  g_error ("no free port on 127.0.0.1");
}

int
occ_test_free_port (void)
{
  return free_port_of (SOCK_STREAM);
}

int
occ_test_free_udp_port (void)
{
  return free_port_of (SOCK_DGRAM);
}

int
occ_test_free_sip_port (void)
{
  for (int attempt = 0; attempt < 100; attempt++)
    {
      int port = 0;
      int udp = bind_loopback (SOCK_DGRAM, 0, &port);
      g_assert_cmpint (udp, >=, 0);
      int tcp = bind_loopback (SOCK_STREAM, port, NULL);
      close (udp);
      if (tcp < 0)
        continue;
      close (tcp);
      if (!was_handed (port))
        {
          hand (port);
          return port;
        }
    }
  g_error ("no port free for both UDP and TCP on 127.0.0.1");
}

int
occ_test_free_sip_ports (void)
{
  for (int attempt = 0; attempt < 100; attempt++)
    {
      int port = occ_test_free_sip_port ();
      if (port >= 65535)
        continue;
      int tls = bind_loopback (SOCK_STREAM, port + 1, NULL);
      if (tls < 0 || was_handed (port + 1))
        {
          if (tls >= 0)
            close (tls);
          continue;
        }
      close (tls);
      hand (port + 1);
      return port;
    }
  g_error ("no two free SIP ports on 127.0.0.1");
}

int
occ_test_free_udp_ports (guint count)
{
  g_return_val_if_fail (count > 0 && count <= 16, 0);
  for (int attempt = 0; attempt < 200; attempt++)
    {
      int first = 0;
      int probe = bind_loopback (SOCK_DGRAM, 0, &first);
      g_assert_cmpint (probe, >=, 0);
      close (probe);
      int base = first & ~1;
      if (base < 1024 || base + (int) count > 65535)
        continue;
      int fds[16];
      guint n = 0;
      for (; n < count; n++)
        if (was_handed (base + (int) n)
            || (fds[n] = bind_loopback (SOCK_DGRAM, base + (int) n, NULL)) < 0)
          break;
      for (guint i = 0; i < n; i++)
        close (fds[i]);
      if (n < count)
        continue;
      for (guint i = 0; i < count; i++)
        hand (base + (int) i);
      return base;
    }
  g_error ("no %u consecutive free UDP ports on 127.0.0.1", count);
}
