"""jyuso-kb: a declarative knowledge base of 重層的支援体制整備事業 実施計画."""

__version__ = "0.1.0"
