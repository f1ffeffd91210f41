"""The centre's web pages (`simulateur serve --web`): server-rendered French HTML (Starlette,
Jinja2 with autoescape), every asset in the package (no CDN: a room without internet), on the same
gate as the network API (serve/api.py: accounts, codes, tokens, throttle)."""
