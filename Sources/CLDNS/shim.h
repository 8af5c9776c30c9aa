#ifndef CAIRN_CLDNS_SHIM_H
#define CAIRN_CLDNS_SHIM_H
// Without <stdbool.h> first, ldns/common.h defines `bool` as `signed char`, which Swift
// imports as Int8; with it, libldns's bool results import as Swift Bool.
#include <stdbool.h>
#include <ldns/ldns.h>
#endif
