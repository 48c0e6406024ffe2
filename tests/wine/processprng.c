/* For running the Windows build under Wine 8 in tests only; never shipped. Rust's std (1.78+)
 * imports ProcessPrng from bcryptprimitives.dll, which Wine 8.0 lacks; this DLL, put next to
 * taizhang.exe, provides it through advapi32's RtlGenRandom (SystemFunction036). */
#include <windows.h>

typedef BOOLEAN(WINAPI *RtlGenRandomFn)(PVOID, ULONG);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    static RtlGenRandomFn gen;
    if (!gen) {
        gen = (RtlGenRandomFn)GetProcAddress(LoadLibraryA("advapi32.dll"), "SystemFunction036");
        if (!gen) return FALSE;
    }
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!gen(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
