// CORONET_HOT_TLS: the TLS model of the runtime's per-thread variables that
// are read on every await (the current task, the current loop, the
// resumption trampoline).
//
// libcoronet is a shared library, so by default its thread_locals use the
// general-dynamic model: every access is a call to __tls_get_addr. A
// request/response server pays several of those per request (measured with
// callgrind: about 100 instructions per echoed message). initial-exec makes
// each access one %fs-relative load. Its cost is that the library's TLS is
// carved from the static TLS block at load time: fine when the library is
// linked into the program (the normal case), and for dlopen glibc keeps a
// reserve for exactly such small blocks (these are a few pointers).
#pragma once

#if defined(__GNUC__) && defined(__ELF__)
#define CORONET_HOT_TLS [[gnu::tls_model("initial-exec")]]
#else
#define CORONET_HOT_TLS
#endif
