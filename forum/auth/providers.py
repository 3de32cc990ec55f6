"""The social sign-in providers, built from configuration.

A provider appears on /login only when its client id (and what else it needs) is configured.
OpenID Connect providers are read from their discovery documents; the OAuth 2 ones have fixed
endpoints and a profile API that gives the stable subject."""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app
from joserfc import jwt
from joserfc.jwk import ECKey

# A stable subject, plus the e-mail: only its keyed hash is kept, to refuse a newcomer whose
# verified address belongs to an existing member. No profile (name, picture).
OIDC_SCOPE = "openid email"


@dataclass(frozen=True)
class Provider:
    name: str  # the URL segment: /login/<name>
    title: str  # shown on the button
    icon: str  # static/img/providers/<icon>.svg
    oidc: bool
    # Authlib registration (endpoints or discovery URL, scope, PKCE).
    client: dict[str, Any]
    # OAuth 2 only: the identity namespace and where the profile with the subject lives.
    issuer: str | None = None
    profile_url: str | None = None
    subject: Callable[[dict], Any] | None = None
    # OpenID Connect only: how to check the ID token's issuer (default: the discovery one).
    issuer_check: Callable[[dict, str], bool] | None = None
    # Apple posts the callback cross-site (response_mode=form_post).
    form_post: bool = False
    extra_authorize: dict[str, str] = field(default_factory=dict)


def _microsoft_issuer_check(claims: dict, issuer_template: str) -> bool:
    """Microsoft's multi-tenant discovery names the issuer "…/{tenantid}/v2.0": the token's
    own tenant id must be the one in its issuer, or any tenant could pose as another."""
    if "{tenantid}" not in issuer_template:  # a single-tenant configuration
        return claims.get("iss") == issuer_template
    tenant = claims.get("tid")
    return bool(tenant) and claims.get("iss") == issuer_template.replace("{tenantid}", tenant)


def apple_client_secret(config: dict, now: float | None = None) -> str:
    """Apple's client secret is a short-lived ES256 JWT signed with the team's key; a new
    one is made for each token request, so it rotates by itself."""
    issued = int(now if now is not None else time.time())
    key = ECKey.import_key(config["APPLE_PRIVATE_KEY"])
    return jwt.encode(
        {"alg": "ES256", "kid": config["APPLE_KEY_ID"]},
        {
            "iss": config["APPLE_TEAM_ID"],
            "iat": issued,
            "exp": issued + 300,
            "aud": "https://appleid.apple.com",
            "sub": config["APPLE_CLIENT_ID"],
        },
        key,
    )


def _pkce(scope: str, **extra) -> dict:
    return {"scope": scope, "code_challenge_method": "S256", **extra}


def _builtin(config: dict) -> list[Provider]:
    endpoints = config.get("OAUTH_ENDPOINTS") or {}

    def url(provider: str, key: str, default: str) -> str:
        """Real endpoints by default; tests point them at local stand-ins."""
        return endpoints.get(provider, {}).get(key, default)

    def secret(name: str) -> dict:
        return {
            "client_id": config.get(f"{name}_CLIENT_ID"),
            "client_secret": config.get(f"{name}_CLIENT_SECRET"),
        }

    providers = []
    if config.get("GOOGLE_CLIENT_ID"):
        providers.append(
            Provider(
                "google",
                "Google",
                "google",
                oidc=True,
                client={
                    **secret("GOOGLE"),
                    "server_metadata_url": url(
                        "google",
                        "discovery_url",
                        "https://accounts.google.com/.well-known/openid-configuration",
                    ),
                    "client_kwargs": _pkce(OIDC_SCOPE),
                },
            )
        )
    if config.get("MICROSOFT_CLIENT_ID"):
        tenant = config.get("MICROSOFT_TENANT") or "common"
        providers.append(
            Provider(
                "microsoft",
                "Microsoft",
                "microsoft",
                oidc=True,
                client={
                    **secret("MICROSOFT"),
                    "server_metadata_url": url(
                        "microsoft",
                        "discovery_url",
                        f"https://login.microsoftonline.com/{tenant}/v2.0/"
                        ".well-known/openid-configuration",
                    ),
                    "client_kwargs": _pkce(OIDC_SCOPE),
                },
                issuer_check=_microsoft_issuer_check,
            )
        )
    if config.get("APPLE_CLIENT_ID") and config.get("APPLE_PRIVATE_KEY"):
        providers.append(
            Provider(
                "apple",
                "Apple",
                "apple",
                oidc=True,
                client={
                    "client_id": config["APPLE_CLIENT_ID"],
                    "server_metadata_url": url(
                        "apple",
                        "discovery_url",
                        "https://appleid.apple.com/.well-known/openid-configuration",
                    ),
                    # A method's name, not a secret (bandit reviewed).
                    "client_kwargs": _pkce(
                        OIDC_SCOPE,
                        token_endpoint_auth_method="client_secret_post",  # nosec B106
                    ),
                },
                form_post=True,
                extra_authorize={"response_mode": "form_post"},
            )
        )
    if config.get("GITHUB_CLIENT_ID"):
        providers.append(
            Provider(
                "github",
                "GitHub",
                "github",
                oidc=False,
                client={
                    **secret("GITHUB"),
                    "authorize_url": url(
                        "github", "authorize_url", "https://github.com/login/oauth/authorize"
                    ),
                    "access_token_url": url(
                        "github",
                        "access_token_url",
                        "https://github.com/login/oauth/access_token",
                    ),
                    # No scope: the public profile's numeric id is all we need.
                    "client_kwargs": _pkce(""),
                },
                issuer="https://github.com",
                profile_url=url("github", "profile_url", "https://api.github.com/user"),
                subject=lambda profile: profile["id"],
            )
        )
    if config.get("FACEBOOK_CLIENT_ID"):
        providers.append(
            Provider(
                "facebook",
                "Facebook",
                "facebook",
                oidc=False,
                client={
                    **secret("FACEBOOK"),
                    "authorize_url": url(
                        "facebook", "authorize_url", "https://www.facebook.com/v19.0/dialog/oauth"
                    ),
                    "access_token_url": url(
                        "facebook",
                        "access_token_url",
                        "https://graph.facebook.com/v19.0/oauth/access_token",
                    ),
                    "client_kwargs": _pkce("public_profile"),
                },
                issuer="https://www.facebook.com",
                profile_url=url(
                    "facebook", "profile_url", "https://graph.facebook.com/v19.0/me?fields=id"
                ),
                # App-scoped id: the same person has another id in another app.
                subject=lambda profile: profile["id"],
            )
        )
    if config.get("X_CLIENT_ID"):
        providers.append(
            Provider(
                "x",
                "X",
                "x",
                oidc=False,
                client={
                    **secret("X"),
                    "authorize_url": url("x", "authorize_url", "https://x.com/i/oauth2/authorize"),
                    "access_token_url": url(
                        "x", "access_token_url", "https://api.x.com/2/oauth2/token"
                    ),
                    # A method's name, not a secret (bandit reviewed).
                    "client_kwargs": _pkce(
                        "users.read tweet.read",
                        token_endpoint_auth_method="client_secret_basic",  # nosec B106
                    ),
                },
                issuer="https://x.com",
                profile_url=url("x", "profile_url", "https://api.x.com/2/users/me"),
                subject=lambda profile: profile["data"]["id"],
            )
        )
    if config.get("WORDPRESS_CLIENT_ID"):
        providers.append(
            Provider(
                "wordpress",
                "WordPress.com",
                "wordpress",
                oidc=False,
                client={
                    **secret("WORDPRESS"),
                    "authorize_url": url(
                        "wordpress",
                        "authorize_url",
                        "https://public-api.wordpress.com/oauth2/authorize",
                    ),
                    "access_token_url": url(
                        "wordpress",
                        "access_token_url",
                        "https://public-api.wordpress.com/oauth2/token",
                    ),
                    # A method's name, not a secret (bandit reviewed).
                    "client_kwargs": _pkce(
                        "auth",
                        token_endpoint_auth_method="client_secret_post",  # nosec B106
                    ),
                },
                issuer="https://wordpress.com",
                profile_url=url(
                    "wordpress", "profile_url", "https://public-api.wordpress.com/rest/v1.1/me"
                ),
                subject=lambda profile: profile["ID"],
            )
        )
    return providers


RESERVED_NAMES = {"dev", "google", "microsoft", "apple", "github", "facebook", "x", "wordpress"}


def _generic(config: dict) -> list[Provider]:
    """Any number of OpenID Connect providers (a clinic's Keycloak, say), from a JSON list."""
    entries = config.get("OIDC_PROVIDERS") or []
    if isinstance(entries, str):
        entries = json.loads(entries)
    providers, seen = [], set()
    for entry in entries:
        missing = {"name", "title", "discovery_url", "client_id"} - entry.keys()
        if missing:
            raise RuntimeError(f"FORUM_OIDC_PROVIDERS entry lacks {', '.join(sorted(missing))}")
        name = entry["name"]
        if name in seen:
            raise RuntimeError(f"FORUM_OIDC_PROVIDERS: {name!r} is listed twice")
        seen.add(name)
        if name in RESERVED_NAMES or not name.replace("-", "").isalnum() or not name.islower():
            raise RuntimeError(f"FORUM_OIDC_PROVIDERS: {name!r} is not a usable provider name")
        providers.append(
            Provider(
                name,
                entry["title"],
                "openid",
                oidc=True,
                client={
                    "client_id": entry["client_id"],
                    "client_secret": entry.get("client_secret"),
                    "server_metadata_url": entry["discovery_url"],
                    "client_kwargs": _pkce(entry.get("scope", OIDC_SCOPE)),
                },
            )
        )
    return providers


def init_providers(app: Flask) -> None:
    """Register every configured provider with an Authlib registry of this app's own (its
    registry holds the clients, so two apps with different providers must not share one)."""
    providers = {p.name: p for p in _builtin(app.config) + _generic(app.config)}
    oauth = OAuth(app)
    for provider in providers.values():
        oauth.register(provider.name, **provider.client)
    app.extensions["forum.providers"] = providers


def configured_providers() -> list[Provider]:
    return list(current_app.extensions["forum.providers"].values())


def get_provider_or_404(name: str) -> Provider:
    provider = current_app.extensions["forum.providers"].get(name)
    if provider is None:
        abort(404)
    return provider


def oauth_client(provider: Provider):
    return current_app.extensions["authlib.integrations.flask_client"].create_client(provider.name)
