/* Real OpenLDAP servers for tests: a test CA made with openssl, and slapd
 * started from a generated slapd.conf in a temporary folder, listening on
 * ldap:// and ldaps:// on free loopback ports.
 *
 * Every slapd started here is stopped by occ_test_slapd_stop(), and also
 * whatever happens to the test process: the guard of peers.h. Its command
 * line holds "omnicc-test-…/data", the pattern quickstart's sweep looks
 * for. ldapadd, ldapmodify and openssl run as programs: no libldap. */
#pragma once

#include "peers.h"

#include <glib.h>

/* A certificate authority of its own, in a temporary folder. */
typedef struct {
  char *dir;
  char *cert; /* the CA's certificate (PEM): what clients trust */
  char *key;
} OccTestCa;

/* NULL (with the reason in g_test_message) if openssl failed. */
OccTestCa *occ_test_ca_new (const char *common_name);
/* Issues a server certificate for 127.0.0.1 and localhost into @dir;
 * *cert and *key receive the paths (transfer full). */
gboolean occ_test_ca_issue (OccTestCa *ca, const char *dir, char **cert, char **key);
void occ_test_ca_free (OccTestCa *ca);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestCa, occ_test_ca_free)

typedef struct {
  const char *suffix;         /* e.g. dc=example,dc=org */
  const char *const *schemas; /* extra schema files, after core cosine inetorgperson nis */
  const char *database_extra; /* lines for the database section (indexes), or NULL */
  OccTestCa *ca;              /* signs the server's certificate; NULL: a CA of its own */
} OccTestSlapdConfig;

typedef struct {
  char *dir; /* the temporary folder: data/slapd.conf, data/db, slapd.log */
  char *suffix;
  char *root_dn; /* cn=admin,<suffix> */
  char *root_pw;
  int port;     /* ldap:// */
  int tls_port; /* ldaps:// */
  char *url;    /* ldap://127.0.0.1:PORT/ */
  char *ldaps_url;
  char *ca_cert; /* the CA that signed its certificate */
  char *conf;
  char *log;
  int pid; /* 0 while not running */
  OccTestCa *own_ca;
} OccTestSlapd;

/* Starts slapd and waits until it accepts connections. NULL (with the
 * reason and slapd's log in g_test_message) if it did not start. */
OccTestSlapd *occ_test_slapd_start (const OccTestSlapdConfig *config);
/* Adds @ldif (LDIF text) with ldapadd as the root DN. */
gboolean occ_test_slapd_add (OccTestSlapd *s, const char *ldif);
/* Applies @ldif (LDIF change records, "changetype: modify" and the like)
 * with ldapmodify as the root DN: a test changes the directory under a
 * running client, as an administrator would. */
gboolean occ_test_slapd_modify (OccTestSlapd *s, const char *ldif);
/* Stops the process and keeps its data; _resume starts it again on the
 * same ports. */
void occ_test_slapd_halt (OccTestSlapd *s);
gboolean occ_test_slapd_resume (OccTestSlapd *s);
/* Stops it (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
void occ_test_slapd_stop (OccTestSlapd *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestSlapd, occ_test_slapd_stop)
