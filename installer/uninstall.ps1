<#
.SYNOPSIS
    Stops and removes the divert4j kernel driver service and its driver file.
.DESCRIPTION
    Stops the "divert4j" service (the driver unloads once every \\.\Divert4j handle is
    closed), deletes the service and removes %SystemRoot%\System32\drivers\divert4j.sys.
    A service stuck in STOP_PENDING or marked for deletion means some program still holds a
    handle: the script says so and what to do instead of failing silently.
.PARAMETER KeepFile
    Leave divert4j.sys in System32\drivers.
.EXAMPLE
    powershell -ExecutionPolicy Bypass -File installer\uninstall.ps1
#>
[CmdletBinding()]
param(
    [switch] $KeepFile
)

. (Join-Path $PSScriptRoot 'common.ps1')

Assert-Divert4jAdministrator

$record = Get-Divert4jServiceRecord
if ($null -eq $record) {
    Write-Host 'the divert4j service is not installed.'
}
else {
    if ($record.State -ne 'Stopped') {
        $sc = Invoke-Divert4jSc @('stop', $Divert4jService)
        $code = $sc.Code
        if ($code -ne 0 -and $code -ne 1062) {
            Write-Divert4jFailure "stopping the driver failed: $(Get-Divert4jAdvice $code)`n$($sc.Output)"
            exit $code
        }
        if (-not (Wait-Divert4jState 'Stopped' 30)) {
            Write-Divert4jFailure ('the driver is stuck in "' + (Get-Divert4jServiceRecord).State +
                '": a program still has \\.\Divert4j open, so the driver cannot unload. ' +
                'Close every program using divert4j (or WinDivert-compatible tools pointed at it) and run uninstall.ps1 again, or reboot.')
            exit 1061
        }
        Write-Host 'divert4j stopped.'
    }

    if (Test-Divert4jMarkedForDeletion) {
        Write-Host 'the service was already marked for deletion; Windows removes it once the last handle is closed (at the latest at reboot).'
    }
    else {
        $sc = Invoke-Divert4jSc @('delete', $Divert4jService)
        $code = $sc.Code
        if ($code -eq 1072) {
            Write-Host (Get-Divert4jAdvice 1072)
        }
        elseif ($code -ne 0 -and $code -ne 1060) {
            Write-Divert4jFailure "deleting the service failed: $(Get-Divert4jAdvice $code)`n$($sc.Output)"
            exit $code
        }
        else {
            Write-Host "service '$Divert4jService' deleted."
        }
    }
}

if (-not $KeepFile -and (Test-Path -LiteralPath $Divert4jInstalledPath)) {
    try {
        Remove-Item -LiteralPath $Divert4jInstalledPath -Force
        Write-Host "removed $Divert4jInstalledPath"
    }
    catch {
        Write-Divert4jFailure ("could not remove $Divert4jInstalledPath ($($_.Exception.Message)): the driver is probably still loaded. " +
            'Reboot and run uninstall.ps1 again to remove the file.')
        exit 32
    }
}
exit 0
