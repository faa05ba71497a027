<#
.SYNOPSIS
    Shows the state of the divert4j driver installation.
.DESCRIPTION
    Reports the service (state, start mode, binary, marked for deletion), the installed
    driver file (version, signature), test signing, Secure Boot, the Base Filtering Engine
    and whether this machine can load the driver. Read-only; administrator rights give more
    detail (Secure Boot) but are not required.
    Exit code: 0 running, 1 installed but not running, 2 not installed.
.EXAMPLE
    powershell -ExecutionPolicy Bypass -File installer\status.ps1
#>
[CmdletBinding()]
param()

. (Join-Path $PSScriptRoot 'common.ps1')

function Write-Divert4jLine([string] $Name, [string] $Value) {
    Write-Host ('{0,-22} {1}' -f ($Name + ':'), $Value)
}

$arch = Get-Divert4jArchitecture
$build = Get-Divert4jOsBuild
Write-Divert4jLine 'architecture' ($(if ($arch) { $arch } else { "$(Get-Divert4jOsArchitecture) (unsupported)" }))
Write-Divert4jLine 'windows build' ($(if ($build -ge $Divert4jMinimumBuild) { "$build" } else { "$build (too old: needs $Divert4jMinimumBuild+)" }))

$bfe = Get-Service -Name BFE -ErrorAction SilentlyContinue
Write-Divert4jLine 'base filtering engine' ($(if ($bfe) { "$($bfe.Status)" } else { 'missing' }))
Write-Divert4jLine 'test signing' ($(if (Test-Divert4jTestSigning) { 'on' } else { 'off' }))
$secureBoot = Test-Divert4jSecureBoot
Write-Divert4jLine 'secure boot' ($(if ($null -eq $secureBoot) { 'unknown (needs administrator or UEFI)' } elseif ($secureBoot) { 'on' } else { 'off' }))
Write-Divert4jLine 'administrator' ($(if (Test-Divert4jAdministrator) { 'yes' } else { 'no' }))

if (Test-Path -LiteralPath $Divert4jInstalledPath) {
    $file = Get-Item -LiteralPath $Divert4jInstalledPath
    $signature = Get-AuthenticodeSignature -LiteralPath $Divert4jInstalledPath
    $signer = if ($signature.SignerCertificate) { $signature.SignerCertificate.Subject } else { 'none' }
    Write-Divert4jLine 'driver file' "$Divert4jInstalledPath ($($file.Length) bytes, $($file.LastWriteTime))"
    Write-Divert4jLine 'signature' "$($signature.Status) (signer: $signer)"
}
else {
    Write-Divert4jLine 'driver file' "not present ($Divert4jInstalledPath)"
}

$record = Get-Divert4jServiceRecord
if ($null -eq $record) {
    Write-Divert4jLine 'service' 'not installed (run install.ps1)'
    exit 2
}
Write-Divert4jLine 'service' "$($record.Name): $($record.State), start mode $($record.StartMode)"
Write-Divert4jLine 'service binary' "$($record.PathName)"
if (Test-Divert4jMarkedForDeletion) {
    Write-Divert4jLine 'marked for deletion' 'yes (removed once every \\.\Divert4j handle is closed, or at reboot)'
}
if ($record.State -eq 'Running') {
    Write-Divert4jLine 'device' '\\.\Divert4j'
    exit 0
}
exit 1
