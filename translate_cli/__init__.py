"""translate-cli: segment, translate, align and score Indonesian articles into English."""

__version__ = "0.1.0"
