// MARKER ends an assembly function whose bytes dmz.go copies into the exec program's
// image (functionBytes scans for it; codeMarker in dmz.go): ud2, then "BERTH!".
#define MARKER BYTE $0x0f; BYTE $0x0b; BYTE $0x42; BYTE $0x45; BYTE $0x52; BYTE $0x54; BYTE $0x48; BYTE $0x21
