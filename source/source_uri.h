// The `source` argument of start_sync:
// mysql://user:password@host:port[?ssl_mode=...&ssl_ca=...&server_public_key=...]
#pragma once
#include "common/cxx_zone.h"

#include <string>

namespace mysql_sync {

struct SourceUri {
  std::string user;
  std::string password;
  std::string host;
  unsigned port = 3306;
  std::string ssl_mode;  // "", disable, require, verify_ca, verify_identity
  std::string ssl_ca;    // file path
  // caching_sha2_password without TLS: the server's RSA public key (PEM file). Without it the
  // client asks the server for its key (what MySQL's clients call get-server-public-key).
  std::string server_public_key;

  // Throws SyncError 22023 with a hint showing the expected form. User and password are
  // percent-decoded.
  static SourceUri parse(const std::string& uri);
  // The same URI with the password replaced by ******** (for views, logs and errors).
  std::string masked() const;
};

// Masks the password of a URI text without validating it (for display of stored values).
std::string mask_source_password(const std::string& uri);

}  // namespace mysql_sync
