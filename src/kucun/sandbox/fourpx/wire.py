"""4PX's answer envelope (fourpx.md §3): every answer is HTTP 200 with ``result`` "1" or "0",
``msg``, ``errors`` and ``data``; errors carry the gateway's ``000…`` codes or the ``DS…``
business codes, in English or Chinese as the ``language`` parameter asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import JsonResponse

from kucun.sandbox.emulator import json_answer

SUCCEEDED = {"en": "System processing succeeded", "cn": "系统处理成功"}
FAILED = {"en": "System processing failed", "cn": "系统处理失败"}

# The gateway's codes (fourpx.md §3) and the ds.xms codes the emulator answers with.
MESSAGES: dict[str, tuple[str, str]] = {
    "000004": ("JSON parsing failed", "JSON解析失败"),
    "000011": ("API interface does not exist", "API接口不存在"),
    "000012": ("Signature verification error", "签名校验错误"),
    "000013": ("app_key validation failed", "app_key校验失败"),
    "000014": ("Invalid authentication parameters", "认证参数不合法"),
    "000017": ("Too many requests, try again in one minute", "请求过于频繁，请一分钟后再试"),
    "DS000004": ("Parameter error", "参数错误"),
    "DS000005": ("Order number cannot be empty", "单号不能为空"),
    "DS000007": ("Processing", "处理中"),
    "DS000014": ("This order number cannot be cancelled", "该单号不能取消"),
    "DS000016": ("Cancellation reason cannot be empty", "取消原因不能为空"),
    "DS000017": ("Order not found", "订单不存在"),
    "DS000019": ("Returned label format is invalid", "返回标签格式不正确"),
    "DS000021": (
        "Start time for consignment creation cannot be empty",
        "委托单创建开始时间不能为空",
    ),
    "DS000022": ("End time for consignment creation cannot be empty", "委托单创建结束时间不能为空"),
    "DS000023": ("Time difference cannot exceed 7 days", "时间相差不能超过7天"),
    "DS000046": ("Label for this ticket does not exist", "该票标签不存在"),
    "DS000110": ("Logistics product code does not exist", "物流产品代码不存在"),
}


def language_of(asked: str) -> str:
    return "cn" if asked.lower() in ("cn", "zh", "zh-cn", "zh_cn") else "en"


@dataclass(frozen=True)
class Problem:
    """One entry of ``errors[]``: a code, and what exactly was wrong (a field, a number)."""

    code: str
    detail: str = ""
    reference_code: str = ""

    def as_error(self, language: str) -> dict[str, Any]:
        english, chinese = MESSAGES.get(self.code, (self.code, self.code))
        message = chinese if language == "cn" else english
        return {
            "error_code": self.code,
            "error_msg": f"{message}: {self.detail}" if self.detail else message,
            "reference_code": self.reference_code or None,
            "error_data": None,
        }


@dataclass
class Refused(Exception):
    """A method's refusal: the answer is ``result: "0"`` with these errors."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def one(cls, code: str, detail: str = "", reference_code: str = "") -> Refused:
        return cls([Problem(code, detail, reference_code)])


def succeeded(data: Any, language: str) -> JsonResponse:
    return json_answer({"result": "1", "msg": SUCCEEDED[language], "errors": None, "data": data})


def failed(problems: list[Problem], language: str) -> JsonResponse:
    return json_answer(
        {
            "result": "0",
            "msg": FAILED[language],
            "errors": [problem.as_error(language) for problem in problems],
            "data": None,
        }
    )
