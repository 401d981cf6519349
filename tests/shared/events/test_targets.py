"""SSRF checks on partner webhook URLs."""

import pytest

from shared.events.targets import UnsafeTarget, check_target_sync


class TestWebhookTargets:
    @pytest.mark.parametrize("url", [
        "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook",
        "https://192.168.0.10/hook", "https://172.16.5.4/hook", "https://169.254.169.254/latest",
        "https://metadata.google.internal/", "https://[::1]/hook", "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook", "https://0.0.0.0/hook", "https://100.64.0.1/hook",
        "http://93.184.216.34/hook", "ftp://93.184.216.34/hook", "https://user:pw@93.184.216.34/",
        "https:///nohost", "https://224.0.0.1/hook",
    ])
    def test_refused(self, url: str) -> None:
        with pytest.raises(UnsafeTarget):
            check_target_sync(url)

    def test_public_literal_allowed(self) -> None:
        check_target_sync("https://93.184.216.34/hooks/pathways")

    def test_unresolvable_host_refused(self) -> None:
        with pytest.raises(UnsafeTarget):
            check_target_sync("https://no-such-host.invalid/hook")

    def test_development_setting_allows_loopback(self) -> None:
        check_target_sync("http://127.0.0.1:9000/hook", allow_private=True)
