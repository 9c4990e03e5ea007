"""Every error is `{"error": {"code", "message"}}`: 4xx for the caller's
mistakes, with a Russian message that quotes no input values."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger("crmqa.api")

MESSAGES = {400: "некорректный запрос", 401: "нужен токен доступа", 403: "недостаточно прав",
            404: "не найдено", 405: "метод не поддерживается", 413: "запрос слишком большой",
            415: "ожидался JSON", 422: "данные не прошли проверку"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str | None = None):
        super().__init__(code)
        self.status, self.code = status, code
        self.message = message or MESSAGES.get(status, "ошибка")


def body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _validation_message(exc: RequestValidationError, limit: int = 3) -> str:
    parts = []
    for e in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "тело запроса"
        parts.append(f"{loc}: {e.get('msg', 'ошибка')}")
    return "; ".join(parts) or MESSAGES[422]


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(body(exc.code, exc.message), exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):
        return JSONResponse(body("invalid_request", _validation_message(exc)), 422)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(body(code, MESSAGES.get(exc.status_code, str(exc.detail))),
                            exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        log.error("unhandled %s on %s", type(exc).__name__, request.url.path)
        return JSONResponse(body("internal", "внутренняя ошибка сервиса"), 500)
