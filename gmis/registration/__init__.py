"""新規ユーザ登録申請: applications for a facility account, and their review."""
