"""調査定義の管理: uploading, previewing and publishing survey versions."""
