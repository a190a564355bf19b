from components.engine.backend import redact


def test_backend_password_is_redacted_from_engine_messages() -> None:
    message = 'error: unable to open state database "postgres://state:s3cr3t-Pa55@10.0.0.5:5432/pulumi?sslmode=require"'
    assert (
        redact(message)
        == 'error: unable to open state database "postgres://state:***@10.0.0.5:5432/pulumi?sslmode=require"'
    )
    assert redact("file:///home/me/.pulumi-state and https://cms.example.com/mcp") == (
        "file:///home/me/.pulumi-state and https://cms.example.com/mcp"
    )
