# Shared helpers of install.ps1, uninstall.ps1 and status.ps1 (dot-sourced; not run directly).
# divert4j's names are fixed by the project (docs/spec/README.md section 1): service "divert4j",
# kernel driver, demand start, file divert4j.sys, user device \\.\Divert4j.

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$Divert4jService = 'divert4j'
$Divert4jDriverFile = 'divert4j.sys'
# A 32-bit PowerShell on 64-bit Windows sees SysWOW64 as System32 (file system redirection):
# the driver would be copied where the service's ImagePath does not point. Sysnative is the
# real System32 for such a process.
$Divert4jSystemDir = if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) { 'Sysnative' } else { 'System32' }
$Divert4jInstalledPath = Join-Path $env:SystemRoot "$Divert4jSystemDir\drivers\$Divert4jDriverFile"
$Divert4jImagePath = "System32\drivers\$Divert4jDriverFile"   # relative to %SystemRoot%
$Divert4jServiceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\$Divert4jService"
# ExAllocatePool2, which the driver imports, exists from Windows 10 2004 (build 19041) on.
$Divert4jMinimumBuild = 19041

# Win32 errors sc.exe reports (its exit code is the error) and what to do about them.
$Divert4jErrorAdvice = @{
    2    = 'The driver file was not found. Re-run install.ps1 from the unpacked dist folder.'
    5    = 'Access denied. Run PowerShell as Administrator.'
    577  = 'Windows rejected the driver signature. Enable test signing (README: "Installing on Windows") or use a properly signed build, then reboot.'
    1058 = 'The service is disabled. Run: sc.exe config divert4j start= demand'
    1060 = 'The divert4j service is not installed.'
    1061 = 'The service cannot accept control messages now; a program still holds a divert4j handle. Close programs using divert4j, or reboot.'
    1062 = 'The service is not running.'
    1072 = 'The service is marked for deletion; it disappears once every divert4j handle is closed. Close programs using divert4j, or reboot, then retry.'
    1073 = 'The service already exists.'
    1275 = 'Windows blocked this driver (driver block list, HVCI/Memory integrity or a security policy). Check Windows Security > Device security > Core isolation.'
    1753 = 'The Base Filtering Engine (BFE) service is not running. Start it: Start-Service BFE'
}

function Write-Divert4jFailure([string] $Message) {
    Write-Host "divert4j: $Message" -ForegroundColor Red
}

function Get-Divert4jAdvice([int] $Code) {
    if ($Divert4jErrorAdvice.ContainsKey($Code)) { return $Divert4jErrorAdvice[$Code] }
    return "Windows error $Code."
}

function Test-Divert4jAdministrator {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal($identity)
    return $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function Assert-Divert4jAdministrator {
    if (-not (Test-Divert4jAdministrator)) {
        Write-Divert4jFailure 'this script must run elevated: right-click PowerShell > "Run as administrator".'
        exit 5
    }
}

# The operating system's processor architecture ('X64', 'Arm64', 'X86', ...), not the PowerShell
# process's: a 32-bit process reports x86, and an x64 process emulated on ARM64 reports AMD64
# in every environment variable (PROCESSOR_ARCHITEW6432 included), which would choose the x64
# driver. Installer scripts read the architecture only through here.
function Get-Divert4jOsArchitecture {
    return [string][System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture
}

# 'x64' or 'arm64' (the driver to install), or $null when divert4j is not built for this OS.
function Get-Divert4jArchitecture {
    switch (Get-Divert4jOsArchitecture) {
        'X64'   { return 'x64' }
        'Arm64' { return 'arm64' }
        default { return $null }
    }
}

function Get-Divert4jOsBuild {
    return [Environment]::OSVersion.Version.Build
}

function Test-Divert4jTestSigning {
    # The boot options the running system was started with; readable without elevation.
    $item = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control' -Name SystemStartOptions -ErrorAction SilentlyContinue
    if ($null -eq $item) { return $false }
    return [string]$item.SystemStartOptions -match 'TESTSIGNING'
}

# $true, $false, or $null when it cannot be determined (legacy BIOS or no permission).
function Test-Divert4jSecureBoot {
    try { return [bool](Confirm-SecureBootUEFI) } catch { return $null }
}

# The system driver record, or $null when the service does not exist.
function Get-Divert4jServiceRecord {
    return Get-CimInstance -ClassName Win32_SystemDriver -Filter "Name='$Divert4jService'" -ErrorAction SilentlyContinue
}

function Test-Divert4jMarkedForDeletion {
    $flag = (Get-ItemProperty -Path $Divert4jServiceKey -Name DeleteFlag -ErrorAction SilentlyContinue)
    return ($null -ne $flag) -and ($flag.DeleteFlag -eq 1)
}

# Runs sc.exe; returns .Code (its exit code: the Win32 error, 0 on success) and .Output.
function Invoke-Divert4jSc([string[]] $Arguments) {
    # Windows PowerShell turns redirected native stderr into errors; with 'Stop' that would
    # abort instead of letting the caller explain the exit code.
    $previous = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    try {
        $output = & "$env:SystemRoot\System32\sc.exe" @Arguments 2>&1
        $code = $LASTEXITCODE
    }
    finally {
        $ErrorActionPreference = $previous
    }
    return [pscustomobject]@{ Code = $code; Output = ($output | Out-String).Trim() }
}

function Wait-Divert4jState([string] $State, [int] $Seconds) {
    $deadline = (Get-Date).AddSeconds($Seconds)
    while ((Get-Date) -lt $deadline) {
        $record = Get-Divert4jServiceRecord
        if ($null -eq $record -or $record.State -eq $State) { return $true }
        Start-Sleep -Milliseconds 250
    }
    return $false
}
