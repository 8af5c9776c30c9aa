#ifndef CAIRN_CLDNS_SHIM_H
#define CAIRN_CLDNS_SHIM_H
#include <ldns/ldns.h>
#endif
