/* A private OpenSSH server for tests (the SFTP backup target): sshd on
 * 127.0.0.1 and a free port, with a generated host key, key-only login
 * for the user running the tests, and its internal SFTP server.
 *
 * Tests run as root here: sshd's default (PermitRootLogin
 * prohibit-password) already allows a key login, and the generated config
 * turns off passwords, keyboard-interactive and PAM, so only the
 * generated client key gets in, and only on loopback. sshd needs its
 * privilege separation folder /run/sshd, which Debian's unit creates at
 * boot: as root, the helper creates it (0755) when it is missing.
 *
 * The listener leads a process group under the guard of peers.h; its
 * session processes (one per connection, each in a session of its own)
 * are found through /proc and killed with it. */
#pragma once

#include <glib.h>

typedef struct {
  char *dir; /* its temporary folder; files under dir/data */
  int port;
  GPid pid;                /* the listener */
  char *config;            /* sshd_config */
  char *log;               /* sshd's output */
  char *user;              /* the login (the test's user) */
  char *client_key;        /* a private key sshd accepts */
  char *other_key;         /* a private key sshd does not accept */
  char *known_hosts;       /* "[127.0.0.1]:PORT <host key>" */
  char *wrong_known_hosts; /* the same line with another host key */
  char *root;              /* an empty folder for the test's files */
} OccTestSshd;

/* Generates the keys and config and starts sshd; NULL (with the reason
 * printed) if it did not come up. */
OccTestSshd *occ_test_sshd_start (void);
/* Starts sshd again on the same port and keys after a crash or stop. */
gboolean occ_test_sshd_restart (OccTestSshd *sshd);
/* SIGKILLs the listener and every session process at once, as a server
 * that dies mid-transfer. Safe from any thread (touches no guard state);
 * the main thread then calls occ_test_sshd_stop() to reap. */
void occ_test_sshd_crash (OccTestSshd *sshd);
/* Stops sshd (whatever its state) and reaps it. Main thread. */
void occ_test_sshd_stop (OccTestSshd *sshd);
/* Stops sshd and removes its folder. */
void occ_test_sshd_free (OccTestSshd *sshd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OccTestSshd, occ_test_sshd_free)
