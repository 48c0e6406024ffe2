; Taizhang's Windows installer (NSIS 3, built on Linux by scripts/build-installer.sh).
; Per user, 64-bit, no administrator rights: installed under %LOCALAPPDATA%\Programs\Taizhang,
; with Start-menu and desktop shortcuts and an uninstaller registered under the current
; user's Uninstall key (应用和功能). The ledger, its backups and its log live in
; %APPDATA%\Taizhang and are never touched by installing, reinstalling or uninstalling; a new
; version upgrades the ledger itself when it first opens it (with the pre-upgrade backup).
; `/S` installs (and uninstalls) silently.
;
; makensis -DVERSION=0.1.0 -DEXE=path\to\taizhang.exe -DOUTFILE=path\to\setup.exe taizhang.nsi

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
SetCompressorDictSize 64
RequestExecutionLevel user
ManifestDPIAware true

!include "MUI2.nsh"

!define PRODUCT "台账"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Taizhang"

Name "${PRODUCT} Taizhang ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Taizhang"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "台账 Taizhang ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "台账 Taizhang"
VIAddVersionKey /LANG=2052 "FileDescription" "台账安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "Taizhang developers"

!define MUI_ICON "..\assets\icon.ico"
!define MUI_UNICON "..\assets\icon.ico"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "将在本机安装台账 ${VERSION}。$\r$\n$\r$\n无需管理员权限，只为当前用户安装。已有的台账文件、备份和日志保存在“$APPDATA\Taizhang”，安装、升级和卸载都不会改动它们。"
!define MUI_FINISHPAGE_RUN "$INSTDIR\taizhang.exe"
!define MUI_FINISHPAGE_RUN_TEXT "打开台账"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Section "台账" Main
    SectionIn RO
    SetOutPath "$INSTDIR"
    File "/oname=taizhang.exe" "${EXE}"
    File "..\assets\NotoSansSC-OFL.txt"
    WriteUninstaller "$INSTDIR\uninstall.exe"

    CreateShortCut "$SMPROGRAMS\台账.lnk" "$INSTDIR\taizhang.exe" "" "$INSTDIR\taizhang.exe" 0
    CreateShortCut "$DESKTOP\台账.lnk" "$INSTDIR\taizhang.exe" "" "$INSTDIR\taizhang.exe" 0

    WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "台账 Taizhang"
    WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "Taizhang developers"
    WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\taizhang.exe,0"
    WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
    WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
    WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
    WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
    ; Only what the installer put here. The ledger (%APPDATA%\Taizhang) is the user's.
    Delete "$INSTDIR\taizhang.exe"
    Delete "$INSTDIR\NotoSansSC-OFL.txt"
    Delete "$INSTDIR\uninstall.exe"
    RMDir "$INSTDIR"
    Delete "$SMPROGRAMS\台账.lnk"
    Delete "$DESKTOP\台账.lnk"
    DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
