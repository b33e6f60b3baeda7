/* Real OpenLDAP servers for tests; see ldap-peer.h. */
#include "ldap-peer.h"

#include "testlib.h"

#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SLAPD "/usr/sbin/slapd"
#define LDAPADD "/usr/bin/ldapadd"
#define LDAPMODIFY "/usr/bin/ldapmodify"
#define OPENSSL "/usr/bin/openssl"
#define SCHEMA_DIR "/etc/ldap/schema"

/* --- small things ------------------------------------------------------------------ */

static gboolean
port_accepts (int port)
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_port = htons ((uint16_t) port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  gboolean ok = connect (fd, (struct sockaddr *) &a, sizeof a) == 0;
  close (fd);
  return ok;
}

/* Runs @argv (NULL-terminated) without reading ldap.conf; FALSE (and its
 * output in g_test_message) if it failed. */
static gboolean
run (const char *const *argv, const char *input)
{
  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("%s is not installed (Debian: ldap-utils, openssl)", argv[0]);
      return FALSE;
    }
  g_autoptr (GSubprocessLauncher) l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                   | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (l, "LDAPNOINIT", "1", TRUE);
  g_autoptr (GError) e = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (l, argv, &e);
  g_assert_no_error (e);
  g_autofree char *out = NULL;
  g_subprocess_communicate_utf8 (p, input, NULL, &out, NULL, &e);
  g_assert_no_error (e);
  if (g_subprocess_get_if_exited (p) && g_subprocess_get_exit_status (p) == 0)
    return TRUE;
  g_test_message ("%s failed:\n%s", argv[0], out ? out : "");
  return FALSE;
}

/* --- the CA ------------------------------------------------------------------------ */

OccTestCa *
occ_test_ca_new (const char *common_name)
{
  OccTestCa *ca = g_new0 (OccTestCa, 1);
  ca->dir = occ_test_mkdtemp ();
  ca->cert = g_build_filename (ca->dir, "ca.pem", NULL);
  ca->key = g_build_filename (ca->dir, "ca.key", NULL);
  g_autofree char *subject = g_strdup_printf ("/CN=%s", common_name);
  /* EC keys: generated in milliseconds, unlike RSA */
  const char *argv[] = { OPENSSL,
                         "req",
                         "-x509",
                         "-new",
                         "-nodes",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:prime256v1",
                         "-keyout",
                         ca->key,
                         "-out",
                         ca->cert,
                         "-days",
                         "2",
                         "-subj",
                         subject,
                         "-addext",
                         "basicConstraints=critical,CA:TRUE",
                         "-addext",
                         "keyUsage=critical,keyCertSign,cRLSign",
                         NULL };
  if (!run (argv, NULL))
    {
      occ_test_ca_free (ca);
      return NULL;
    }
  return ca;
}

gboolean
occ_test_ca_issue (OccTestCa *ca, const char *dir, char **cert, char **key)
{
  g_autofree char *csr = g_build_filename (dir, "server.csr", NULL);
  g_autofree char *ext = g_build_filename (dir, "server.ext", NULL);
  g_autofree char *serial = g_build_filename (dir, "ca.srl", NULL);
  *cert = g_build_filename (dir, "server.pem", NULL);
  *key = g_build_filename (dir, "server.key", NULL);
  occ_test_write (dir, "server.ext",
                  "basicConstraints=critical,CA:FALSE\n"
                  "keyUsage=critical,digitalSignature,keyEncipherment\n"
                  "extendedKeyUsage=serverAuth\n"
                  "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const char *req[] = { OPENSSL,    "req",
                        "-new",     "-nodes",
                        "-newkey",  "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-keyout",  *key,
                        "-out",     csr,
                        "-subj",    "/CN=127.0.0.1",
                        NULL };
  const char *sign[] = { OPENSSL,  "x509",   "-req",  "-in",       csr,        "-CA",
                         ca->cert, "-CAkey", ca->key, "-CAserial", serial,     "-CAcreateserial",
                         "-out",   *cert,    "-days", "2",         "-extfile", ext,
                         NULL };
  return run (req, NULL) && run (sign, NULL);
}

void
occ_test_ca_free (OccTestCa *ca)
{
  if (ca == NULL)
    return;
  occ_test_rmtree (ca->dir);
  g_free (ca->dir);
  g_free (ca->cert);
  g_free (ca->key);
  g_free (ca);
}

/* --- slapd ------------------------------------------------------------------------- */

static char *
slapd_conf (OccTestSlapd *s, const OccTestSlapdConfig *config, const char *cert, const char *key)
{
  GString *c = g_string_new ("# generated by the omnicc test harness\n");
  const char *std[] = { "core", "cosine", "inetorgperson", "nis" };
  for (guint i = 0; i < G_N_ELEMENTS (std); i++)
    g_string_append_printf (c, "include %s/%s.schema\n", SCHEMA_DIR, std[i]);
  for (guint i = 0; config->schemas && config->schemas[i]; i++)
    g_string_append_printf (c, "include %s\n", config->schemas[i]);
  g_string_append_printf (c,
                          "pidfile %s/data/slapd.pid\n"
                          "argsfile %s/data/slapd.args\n"
                          "modulepath /usr/lib/ldap\n"
                          "moduleload back_mdb\n"
                          "TLSCACertificateFile %s\n"
                          "TLSCertificateFile %s\n"
                          "TLSCertificateKeyFile %s\n"
                          "database mdb\n"
                          "maxsize 104857600\n"
                          "suffix \"%s\"\n"
                          "rootdn \"%s\"\n"
                          "rootpw %s\n"
                          "directory %s/data/db\n"
                          "index objectClass eq\n"
                          "access to attrs=userPassword by self =w by anonymous auth by * none\n"
                          "access to * by * read\n"
                          "%s\n",
                          s->dir, s->dir, s->ca_cert, cert, key, s->suffix, s->root_dn, s->root_pw,
                          s->dir, config->database_extra ? config->database_extra : "");
  return g_string_free (c, FALSE);
}

static gboolean
slapd_spawn (OccTestSlapd *s)
{
  g_autofree char *listen = g_strdup_printf ("%s %s", s->url, s->ldaps_url);
  /* -d 0: stay in the foreground (we keep the pid), log nothing extra */
  const char *argv[] = { SLAPD, "-f", s->conf, "-h", listen, "-d", "0", NULL };
  g_autoptr (GError) e = NULL;
  s->pid = occ_test_spawn (argv, s->dir, s->log, &e);
  g_assert_no_error (e);
  for (int i = 0; i < 500; i++)
    {
      if (port_accepts (s->port) && port_accepts (s->tls_port))
        return TRUE;
      if (occ_test_process_wait (s->pid, 0, NULL))
        {
          s->pid = 0;
          break;
        }
      g_usleep (20000);
    }
  g_autofree char *text = NULL;
  g_file_get_contents (s->log, &text, NULL, NULL);
  g_test_message ("slapd did not start:\n%s", text ? text : "");
  occ_test_slapd_halt (s);
  return FALSE;
}

OccTestSlapd *
occ_test_slapd_start (const OccTestSlapdConfig *config)
{
  if (!g_file_test (SLAPD, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("slapd is not installed (%s)", SLAPD);
      return NULL;
    }
  OccTestSlapd *s = g_new0 (OccTestSlapd, 1);
  s->dir = occ_test_mkdtemp ();
  s->suffix = g_strdup (config->suffix);
  s->root_dn = g_strdup_printf ("cn=admin,%s", config->suffix);
  s->root_pw = g_strdup ("harness-root-secret");
  s->port = occ_test_free_port ();
  do
    s->tls_port = occ_test_free_port ();
  while (s->tls_port == s->port);
  s->url = g_strdup_printf ("ldap://127.0.0.1:%d/", s->port);
  s->ldaps_url = g_strdup_printf ("ldaps://127.0.0.1:%d/", s->tls_port);
  s->conf = g_build_filename (s->dir, "data", "slapd.conf", NULL);
  s->log = g_build_filename (s->dir, "slapd.log", NULL);
  g_autofree char *db = g_build_filename (s->dir, "data", "db", NULL);
  g_assert_cmpint (g_mkdir_with_parents (db, 0700), ==, 0);
  OccTestCa *ca = config->ca;
  if (ca == NULL)
    ca = s->own_ca = occ_test_ca_new ("omnicc slapd test CA");
  g_autofree char *cert = NULL, *key = NULL;
  if (ca == NULL || !occ_test_ca_issue (ca, s->dir, &cert, &key))
    {
      occ_test_slapd_stop (s);
      return NULL;
    }
  s->ca_cert = g_strdup (ca->cert);
  g_autofree char *text = slapd_conf (s, config, cert, key);
  occ_test_write (s->dir, "data/slapd.conf", text);
  if (!slapd_spawn (s))
    {
      occ_test_slapd_stop (s);
      return NULL;
    }
  return s;
}

gboolean
occ_test_slapd_add (OccTestSlapd *s, const char *ldif)
{
  const char *argv[] = { LDAPADD, "-x", "-H", s->url, "-D", s->root_dn, "-w", s->root_pw, NULL };
  return run (argv, ldif);
}

gboolean
occ_test_slapd_modify (OccTestSlapd *s, const char *ldif)
{
  const char *argv[] = { LDAPMODIFY, "-x", "-H", s->url, "-D", s->root_dn, "-w", s->root_pw, NULL };
  return run (argv, ldif);
}

void
occ_test_slapd_halt (OccTestSlapd *s)
{
  if (s->pid <= 0)
    return;
  occ_test_process_stop (s->pid, SIGTERM, 5000);
  s->pid = 0;
}

gboolean
occ_test_slapd_resume (OccTestSlapd *s)
{
  if (s->pid > 0)
    return TRUE;
  return slapd_spawn (s);
}

void
occ_test_slapd_stop (OccTestSlapd *s)
{
  if (s == NULL)
    return;
  occ_test_slapd_halt (s);
  occ_test_rmtree (s->dir);
  occ_test_ca_free (s->own_ca);
  g_free (s->dir);
  g_free (s->suffix);
  g_free (s->root_dn);
  g_free (s->root_pw);
  g_free (s->url);
  g_free (s->ldaps_url);
  g_free (s->ca_cert);
  g_free (s->conf);
  g_free (s->log);
  g_free (s);
}
