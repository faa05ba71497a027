<#
.SYNOPSIS
    Builds divert4j on Windows: the driver (MSBuild + WDK), optionally test-signed, the Java
    side (Maven), and assembles dist\ (driver, installer scripts, jar, README, LICENSE).
.DESCRIPTION
    Needs Visual Studio 2022 with the "Desktop development with C++" workload and the matching
    Windows Driver Kit; for the Java side a JDK 17 and Maven on PATH.
    -TestSign signs divert4j.sys with a self-signed code-signing certificate (created once in
    Cert:\CurrentUser\My, subject "CN=divert4j test signing") and puts its public part in
    dist\divert4j-test.cer; such a driver loads only with test signing on (see README).
.PARAMETER Platform
    x64, ARM64 or both (default x64).
.PARAMETER Configuration
    Release (default) or Debug.
.PARAMETER TestSign
    Sign the driver with the self-signed test certificate.
.PARAMETER SkipDriver
    Do not build the driver (e.g. on a machine without the WDK); dist\ gets no driver.
.PARAMETER SkipJava
    Do not build the Java side; dist\ gets no jar.
.EXAMPLE
    .\build.ps1 -TestSign
.EXAMPLE
    .\build.ps1 -Platform x64,ARM64 -Configuration Release -TestSign
#>
[CmdletBinding()]
param(
    [ValidateSet('x64', 'ARM64')]
    [string[]] $Platform = @('x64'),
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',
    [switch] $TestSign,
    [switch] $SkipDriver,
    [switch] $SkipJava
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$Root = $PSScriptRoot
$Dist = Join-Path $Root 'dist'
$Project = Join-Path $Root 'driver\windows\divert4j.vcxproj'
$CertificateSubject = 'CN=divert4j test signing'

function Fail([string] $Message) {
    Write-Host "build.ps1: $Message" -ForegroundColor Red
    exit 1
}

function Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Find-MSBuild {
    $vswhere = Join-Path ${env:ProgramFiles(x86)} 'Microsoft Visual Studio\Installer\vswhere.exe'
    if (-not (Test-Path -LiteralPath $vswhere)) {
        Fail 'Visual Studio was not found (no vswhere.exe). Install Visual Studio 2022 with "Desktop development with C++" and the Windows Driver Kit, or use -SkipDriver.'
    }
    $msbuild = & $vswhere -latest -products * -requires Microsoft.Component.MSBuild -find 'MSBuild\**\Bin\MSBuild.exe' | Select-Object -First 1
    if (-not $msbuild) {
        Fail 'MSBuild was not found in the installed Visual Studio. Add the "Desktop development with C++" workload.'
    }
    return $msbuild
}

function Find-SignTool {
    $kits = Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\bin'
    $hostArch = if ($env:PROCESSOR_ARCHITECTURE -eq 'ARM64') { 'arm64' } else { 'x64' }
    $tool = Get-ChildItem -Path $kits -Filter signtool.exe -Recurse -ErrorAction SilentlyContinue |
        Where-Object { $_.Directory.Name -eq $hostArch } |
        Sort-Object FullName -Descending | Select-Object -First 1
    if (-not $tool) {
        Fail "signtool.exe was not found under $kits. Install the Windows SDK/WDK or build without -TestSign."
    }
    return $tool.FullName
}

function Get-TestCertificate {
    $certificate = Get-ChildItem -Path Cert:\CurrentUser\My -CodeSigningCert |
        Where-Object { $_.Subject -eq $CertificateSubject -and $_.HasPrivateKey -and $_.NotAfter -gt (Get-Date) } |
        Sort-Object NotAfter -Descending | Select-Object -First 1
    if ($certificate) {
        return $certificate
    }
    Step "creating the self-signed test certificate '$CertificateSubject' in Cert:\CurrentUser\My"
    return New-SelfSignedCertificate -Type CodeSigningCert -Subject $CertificateSubject `
        -CertStoreLocation Cert:\CurrentUser\My -KeyAlgorithm RSA -KeyLength 3072 `
        -HashAlgorithm SHA256 -KeyUsage DigitalSignature -NotAfter (Get-Date).AddYears(2)
}

if ($SkipDriver -and $SkipJava) {
    Fail 'nothing to build: -SkipDriver and -SkipJava were both given.'
}

if (Test-Path -LiteralPath $Dist) {
    Remove-Item -LiteralPath $Dist -Recurse -Force
}
New-Item -ItemType Directory -Path $Dist | Out-Null

if (-not $SkipDriver) {
    $msbuild = Find-MSBuild
    foreach ($arch in $Platform) {
        Step "building divert4j.sys ($Configuration|$arch)"
        & $msbuild $Project /nologo /m /v:minimal /t:Rebuild "/p:Configuration=$Configuration" "/p:Platform=$arch"
        if ($LASTEXITCODE -ne 0) {
            Fail "MSBuild failed for $Configuration|$arch (exit $LASTEXITCODE). Is the Windows Driver Kit for this Visual Studio installed (WindowsKernelModeDriver10.0 toolset, $arch libraries)?"
        }
        $out = Join-Path $Root "driver\build-windows\$arch\$Configuration"
        $sys = Join-Path $out 'divert4j.sys'
        if (-not (Test-Path -LiteralPath $sys)) {
            Fail "MSBuild reported success but $sys is missing."
        }
        $target = Join-Path $Dist ("driver\" + $arch.ToLowerInvariant())
        New-Item -ItemType Directory -Path $target -Force | Out-Null
        Copy-Item -LiteralPath $sys -Destination $target
        $pdb = Join-Path $out 'divert4j.pdb'
        if (Test-Path -LiteralPath $pdb) {
            Copy-Item -LiteralPath $pdb -Destination $target
        }
    }

    if ($TestSign) {
        $signtool = Find-SignTool
        $certificate = Get-TestCertificate
        Export-Certificate -Cert $certificate -FilePath (Join-Path $Dist 'divert4j-test.cer') -Type CERT | Out-Null
        foreach ($sys in Get-ChildItem -Path (Join-Path $Dist 'driver') -Filter divert4j.sys -Recurse) {
            Step "test-signing $($sys.FullName)"
            & $signtool sign /q /fd sha256 /s My /sha1 $certificate.Thumbprint $sys.FullName
            if ($LASTEXITCODE -ne 0) {
                Fail "signtool failed on $($sys.FullName) (exit $LASTEXITCODE)."
            }
        }
    }
}

if (-not $SkipJava) {
    if (-not (Get-Command mvn -ErrorAction SilentlyContinue)) {
        Fail 'Maven (mvn) is not on PATH. Install Maven and a JDK 17, or use -SkipJava.'
    }
    Step 'building the Java command line (mvn package)'
    Push-Location $Root
    try {
        & mvn -B -q package -DskipTests -pl java/cli -am
        if ($LASTEXITCODE -ne 0) {
            Fail "Maven failed (exit $LASTEXITCODE)."
        }
    }
    finally {
        Pop-Location
    }
    $jar = Join-Path $Root 'java\cli\target\divert4j.jar'
    if (-not (Test-Path -LiteralPath $jar)) {
        Fail "Maven reported success but $jar is missing."
    }
    Copy-Item -LiteralPath $jar -Destination $Dist
}

Step 'assembling dist\'
$installer = Join-Path $Dist 'installer'
New-Item -ItemType Directory -Path $installer | Out-Null
Copy-Item -Path (Join-Path $Root 'installer\*.ps1') -Destination $installer
Copy-Item -LiteralPath (Join-Path $Root 'README.md') -Destination $Dist
Copy-Item -LiteralPath (Join-Path $Root 'LICENSE') -Destination $Dist

Write-Host ''
Write-Host "dist\ is ready: $Dist" -ForegroundColor Green
Get-ChildItem -Path $Dist -Recurse -File | ForEach-Object { Write-Host ('  ' + $_.FullName.Substring($Dist.Length + 1)) }
if (-not $SkipDriver) {
    Write-Host 'Install (elevated PowerShell): powershell -ExecutionPolicy Bypass -File dist\installer\install.ps1'
}
exit 0
