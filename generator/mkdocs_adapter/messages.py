"""Messages shared by the MkDocs plugin and the CLI (the CLI recognises them)."""

CONTENT_ERRORS = "内容有错误，未生成站点："
