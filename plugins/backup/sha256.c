/* SHA-256 on libcrypto's EVP interface: see sha256.h. */
#include "sha256.h"

#include <openssl/evp.h>
#include <string.h>

struct OccBackupSha256 {
  EVP_MD_CTX *ctx;
  gboolean failed; /* a libcrypto call failed: finish reports it */
};

OccBackupSha256 *
occ_backup_sha256_new (void)
{
  OccBackupSha256 *h = g_new0 (OccBackupSha256, 1);
  h->ctx = EVP_MD_CTX_new ();
  h->failed = h->ctx == NULL || EVP_DigestInit_ex (h->ctx, EVP_sha256 (), NULL) != 1;
  return h;
}

void
occ_backup_sha256_update (OccBackupSha256 *h, const void *data, gsize len)
{
  g_return_if_fail (h != NULL);
  if (!h->failed && len > 0 && EVP_DigestUpdate (h->ctx, data, len) != 1)
    h->failed = TRUE;
}

gboolean
occ_backup_sha256_finish (OccBackupSha256 *h, guint8 out[OCC_BACKUP_SHA256_BYTES])
{
  g_return_val_if_fail (h != NULL, FALSE);
  unsigned int n = 0;
  if (!h->failed && (EVP_DigestFinal_ex (h->ctx, out, &n) != 1 || n != OCC_BACKUP_SHA256_BYTES))
    h->failed = TRUE;
  if (h->failed)
    memset (out, 0, OCC_BACKUP_SHA256_BYTES);
  /* a second finish must not read a finalised context */
  gboolean ok = !h->failed;
  h->failed = TRUE;
  return ok;
}

void
occ_backup_sha256_free (OccBackupSha256 *h)
{
  if (!h)
    return;
  EVP_MD_CTX_free (h->ctx);
  g_free (h);
}

void
occ_backup_sha256_hex (const guint8 sha[OCC_BACKUP_SHA256_BYTES], char hex[65])
{
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < OCC_BACKUP_SHA256_BYTES; i++)
    {
      hex[2 * i] = digits[sha[i] >> 4];
      hex[2 * i + 1] = digits[sha[i] & 15];
    }
  hex[64] = '\0';
}
