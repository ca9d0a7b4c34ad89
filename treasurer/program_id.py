"""The treasurer's program id: the reference's ``declare_id!``."""

from solders.pubkey import Pubkey

PROGRAM_ID = Pubkey.from_string("EnU7DRx5az5YWxaxgqEGbXSYtudcfnjXewyBRRZCjJPw")

__all__ = ["PROGRAM_ID"]
