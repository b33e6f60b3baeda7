/* The backup-sftp target (libssh): archives in a folder on an SFTP server.
 * Each call opens its own SSH session in its worker thread: the server's
 * host key must match the configured known-hosts entry (anything else is
 * REFUSED, never learnt), login is by key only. A server that cannot be
 * reached, or a connection lost mid-transfer, is DOWN; the partial upload
 * ".NAME.partial" stays and the next put continues it (SFTP seek). */
#pragma once

#include "target.h"

G_BEGIN_DECLS

typedef struct {
  const char *host;
  guint port;
  const char *user;
  const char *identity;    /* private key file */
  const char *known_hosts; /* known_hosts file holding the server's key */
  const char *dir;         /* folder on the server */
  guint timeout_s;         /* connect and I/O timeout */
} BkSftpConfig;

/* A target named @name (transfer full); @config is copied. */
BkTarget *bk_sftp_target_new (const char *name, guint retention_days, const BkSftpConfig *config);

G_END_DECLS
