from rest_framework import serializers

from .models import Membership, Project, Role
from .services.projects import find_user


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in the project; null for admins who are not members.")

    class Meta:
        model = Project
        fields = ["id", "name", "description", "role", "created_at", "updated_at"]
        read_only_fields = ["id", "role", "created_at", "updated_at"]

    def get_role(self, project) -> str | None:
        return getattr(project, "user_role", None)


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.CharField(
        write_only=True, help_text="Username or e-mail address of the user to add (only when adding)."
    )
    username = serializers.CharField(source="user.username", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "role", "added_at"]
        read_only_fields = ["id", "username", "added_at"]

    def validate_user(self, value):
        user = find_user(value)
        if user is None:
            raise serializers.ValidationError("No active user has this username or e-mail address.")
        return user


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


