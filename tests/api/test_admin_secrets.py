"""Secrets of the administration models never show in a repr, str or JSON dump."""

from __future__ import annotations

from nep_tui.api.admin_models import CreatedStorage, NextcloudSetupAnswer
from nep_tui.api.nextcloud_admin import NextcloudAdmin
from nep_tui.cli.output import to_jsonable

SECRET = "s3cr3t-value-that-must-not-leak"


def test_setup_answer_hides_its_secrets():
    answer = NextcloudSetupAnswer.from_json(
        {
            "nextcloud_client_id": "id",
            "nextcloud_client_secret": SECRET,
            "openproject_user_app_password": SECRET + "2",
        }
    )
    assert answer.client_secret is not None
    assert answer.client_secret.get_secret_value() == SECRET
    for text in (repr(answer), str(answer), str(to_jsonable(answer))):
        assert SECRET not in text


def test_created_storage_hides_the_openproject_secret():
    created = CreatedStorage.from_hal(
        {
            "id": 1,
            "name": "Cloud",
            "_links": {"origin": {"href": "https://cloud.example/"}},
            "_embedded": {"oauthApplication": {"clientId": "cid", "clientSecret": SECRET}},
        }
    )
    assert SECRET not in repr(created) and SECRET not in str(to_jsonable(created))


async def test_the_nextcloud_admin_client_does_not_show_its_password():
    async with NextcloudAdmin("https://cloud.example", "root", SECRET) as client:
        assert SECRET not in repr(client)
