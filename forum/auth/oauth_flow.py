"""The authorization-code flow with a provider, through Authlib.

Authlib keeps state, nonce and the PKCE verifier in the session between the two halves,
so this module belongs to the HTTP layer; the services get a ProviderIdentity."""


import requests
from authlib.integrations.base_client import OAuthError
from flask import current_app, url_for
from joserfc.errors import JoseError

from forum.auth.providers import Provider, apple_client_secret, oauth_client
from forum.auth.services import ProviderIdentity, digest, name_digest
from forum.security import log_security_event

# Where providers put the person's names and handles (OIDC, GitHub, WordPress.com).
NAME_CLAIMS = ("name", "preferred_username", "nickname", "login", "username", "display_name")


class SignInFailed(Exception):
    """The provider flow did not prove who the person is; the message is for the user."""


def callback_url(provider: Provider) -> str:
    """Built from the configured external address, never from the Host header."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + url_for("auth.callback", name=provider.name)


def start(provider: Provider):
    """The redirect to the provider's sign-in page (state, nonce and PKCE are added)."""
    client = oauth_client(provider)
    return client.authorize_redirect(callback_url(provider), **provider.extra_authorize)


def finish(provider: Provider) -> ProviderIdentity:
    """Exchange the code, check the ID token or read the profile, and say who this is."""
    client = oauth_client(provider)
    try:
        if provider.name == "apple":
            client.client_secret = apple_client_secret(current_app.config)
        token = client.authorize_access_token(**_claims_options(provider, client))
        if provider.oidc:
            claims = token.get("userinfo")
            if not claims:
                raise SignInFailed("The provider did not send a valid ID token.")
            return _identity(provider, claims["iss"], claims["sub"], claims)
        response = client.get(provider.profile_url, token=token)
        response.raise_for_status()
        profile = response.json()
        return _identity(provider, provider.issuer, provider.subject(profile), profile)
    except SignInFailed as error:
        _log_failure(provider, error)
        raise
    except OAuthError as error:
        _log_failure(provider, error)
        if error.error == "access_denied":
            raise SignInFailed("Sign-in was cancelled.") from None
        raise SignInFailed(
            "The sign-in could not be completed (it may have expired or been started in "
            "another tab). Please try again."
        ) from None
    except (JoseError, requests.RequestException, KeyError, TypeError, ValueError) as error:
        _log_failure(provider, error)
        raise SignInFailed(
            f"{provider.title} did not confirm who you are. Please try again."
        ) from None


def _claims_options(provider: Provider, client) -> dict:
    if not provider.oidc or provider.issuer_check is None:
        return {}
    template = client.load_server_metadata()["issuer"]
    return {
        "claims_options": {
            "iss": {
                "essential": True,
                "validate": lambda claims, value: provider.issuer_check(claims, template),
            }
        }
    }


def _identity(provider: Provider, issuer, subject, profile: dict) -> ProviderIdentity:
    if not issuer or subject in (None, ""):
        raise SignInFailed(f"{provider.title} did not say who you are.")
    secret = current_app.config["SECRET_KEY"]
    # Only an address the provider says it verified may hint at an existing member.
    email = profile.get("email") if profile.get("email_verified") is True else None
    nested = profile.get("data")  # X wraps the profile in "data"
    sources = [profile, nested] if isinstance(nested, dict) else [profile]
    names = [source.get(key) for source in sources for key in NAME_CLAIMS]
    return ProviderIdentity(
        provider=provider.name,
        issuer=str(issuer),
        subject=str(subject),
        email_digest=digest(secret, email),
        name_digests=tuple(
            {name_digest(secret, name) for name in names if isinstance(name, str) and name}
        ),
    )


def _log_failure(provider: Provider, error: Exception) -> None:
    # Never the code, tokens or profile: only which provider and what kind of failure.
    detail = getattr(error, "error", None) or str(error)[:120]
    log_security_event(
        "sign_in_failed", 400, f"via={provider.name} error={type(error).__name__}: {detail}"
    )
