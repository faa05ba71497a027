<#
.SYNOPSIS
    Installs and starts the divert4j kernel driver (service "divert4j", demand start).
.DESCRIPTION
    Checks, in order: administrator rights, architecture (x64 or ARM64), Windows build
    (19041 or later), the Base Filtering Engine service, and the signing mode (a test-signed
    driver needs test signing enabled). Then copies divert4j.sys to
    %SystemRoot%\System32\drivers, creates the kernel service and starts it.
    Every failure prints what went wrong and what to do, and exits non-zero.
.PARAMETER DriverPath
    The divert4j.sys to install. Default: driver\<arch>\divert4j.sys next to this script's
    folder (the dist layout), or divert4j.sys next to the script.
.PARAMETER NoStart
    Create the service but do not start it.
.EXAMPLE
    powershell -ExecutionPolicy Bypass -File installer\install.ps1
#>
[CmdletBinding()]
param(
    [string] $DriverPath,
    [switch] $NoStart
)

. (Join-Path $PSScriptRoot 'common.ps1')

Assert-Divert4jAdministrator

$arch = Get-Divert4jArchitecture
if ($null -eq $arch) {
    Write-Divert4jFailure "unsupported processor architecture '$(Get-Divert4jOsArchitecture)': divert4j is built for x64 and ARM64 Windows only."
    exit 1
}

$build = Get-Divert4jOsBuild
if ($build -lt $Divert4jMinimumBuild) {
    Write-Divert4jFailure "Windows build $build is too old: divert4j needs Windows 10 version 2004 (build $Divert4jMinimumBuild) or later."
    exit 1
}

$bfe = Get-Service -Name BFE -ErrorAction SilentlyContinue
if ($null -eq $bfe) {
    Write-Divert4jFailure 'the Base Filtering Engine service (BFE) does not exist; divert4j needs the Windows Filtering Platform.'
    exit 1
}
if ($bfe.Status -ne 'Running') {
    Write-Divert4jFailure "the Base Filtering Engine service (BFE) is $($bfe.Status). Start it with: Start-Service BFE"
    exit 1
}

if (-not $DriverPath) {
    $candidates = @(
        (Join-Path (Split-Path $PSScriptRoot -Parent) "driver\$arch\$Divert4jDriverFile"),
        (Join-Path $PSScriptRoot $Divert4jDriverFile)
    )
    $DriverPath = $candidates | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
    if (-not $DriverPath) {
        Write-Divert4jFailure "no $Divert4jDriverFile found (looked in: $($candidates -join ', ')). Build it with build.ps1 or pass -DriverPath."
        exit 2
    }
}
if (-not (Test-Path -LiteralPath $DriverPath -PathType Leaf)) {
    Write-Divert4jFailure "driver file '$DriverPath' does not exist."
    exit 2
}
$DriverPath = (Resolve-Path -LiteralPath $DriverPath).Path

$signature = Get-AuthenticodeSignature -LiteralPath $DriverPath
$testSigning = Test-Divert4jTestSigning
if ($signature.Status -eq 'NotSigned') {
    Write-Divert4jFailure "'$DriverPath' is not signed. Build with: .\build.ps1 -TestSign (and enable test signing, see README)."
    exit 577
}
if ($signature.Status -ne 'Valid' -and -not $testSigning) {
    $secureBoot = Test-Divert4jSecureBoot
    $hint = 'Enable test signing: bcdedit /set testsigning on, then reboot.'
    if ($secureBoot -eq $true) {
        $hint = 'Secure Boot is on, so test signing cannot be enabled: turn Secure Boot off in the firmware settings first, then run bcdedit /set testsigning on and reboot.'
    }
    Write-Divert4jFailure "the driver's signature is not trusted by this machine ($($signature.Status)) and test signing is off. $hint"
    exit 577
}

$record = Get-Divert4jServiceRecord
if ($null -ne $record) {
    if (Test-Divert4jMarkedForDeletion) {
        Write-Divert4jFailure (Get-Divert4jAdvice 1072)
        exit 1072
    }
    if ($record.State -eq 'Running') {
        Write-Host "divert4j is already installed and running ($($record.PathName)). Run uninstall.ps1 first to replace it."
        exit 0
    }
}

try {
    Copy-Item -LiteralPath $DriverPath -Destination $Divert4jInstalledPath -Force
}
catch {
    Write-Divert4jFailure "could not copy the driver to $Divert4jInstalledPath : $($_.Exception.Message). If an older divert4j is loaded, run uninstall.ps1 first."
    exit 1
}

if ($null -eq $record) {
    $sc = Invoke-Divert4jSc @('create', $Divert4jService, 'type=', 'kernel', 'start=', 'demand',
                                'error=', 'normal', 'binPath=', $Divert4jImagePath,
                                'DisplayName=', 'divert4j')
    $code = $sc.Code
    if ($code -ne 0) {
        Write-Divert4jFailure "creating the service failed: $(Get-Divert4jAdvice $code)`n$($sc.Output)"
        exit $code
    }
    Write-Host "created kernel service '$Divert4jService' (demand start, $Divert4jImagePath)"
}
else {
    $sc = Invoke-Divert4jSc @('config', $Divert4jService, 'type=', 'kernel', 'start=', 'demand',
                                'error=', 'normal', 'binPath=', $Divert4jImagePath)
    $code = $sc.Code
    if ($code -ne 0) {
        Write-Divert4jFailure "updating the existing service failed: $(Get-Divert4jAdvice $code)`n$($sc.Output)"
        exit $code
    }
    Write-Host "updated existing service '$Divert4jService'"
}

if ($NoStart) {
    Write-Host 'not started (-NoStart); start it with: sc.exe start divert4j'
    exit 0
}

$sc = Invoke-Divert4jSc @('start', $Divert4jService)
$code = $sc.Code
if ($code -eq 1056) {
    Write-Host 'divert4j was already running.'
    exit 0
}
if ($code -ne 0) {
    Write-Divert4jFailure "starting the driver failed: $(Get-Divert4jAdvice $code)`n$($sc.Output)"
    exit $code
}
if (-not (Wait-Divert4jState 'Running' 15)) {
    Write-Divert4jFailure 'the driver did not reach the Running state within 15 s; see status.ps1 and the System event log.'
    exit 1
}
Write-Host "divert4j is installed and running. The device is \\.\Divert4j."
exit 0
