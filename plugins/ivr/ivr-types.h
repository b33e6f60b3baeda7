/* Types the IVR's parts share (flows and the HTTP client). */
#pragma once

typedef enum {
  IVR_HTTP_GET,
  IVR_HTTP_POST,
} IvrHttpMethod;
