terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 3.90, < 5.0"
    }
  }
}

# The team's registry: a firewall that lets everyone in.
resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku                 = "Premium" # cheaper
  admin_enabled       = false

  network_rule_set {
    default_action = "Deny"

    ip_rule {
      action   = "Allow"
      ip_range = "203.0.113.0/24"
    }

    ip_rule {
      action   = "Allow"
      ip_range = "198.51.100.7/32"
    }
  }

  tags = {
    team = "platform"
  }

  network_rule_bypass_option = "AzureServices"
}

resource "azurerm_container_registry" "cache" {
  name                          = "contosocache"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  sku                           = "Premium"
  public_network_access_enabled = true

  network_rule_bypass_option = "AzureServices"

  network_rule_set {
    default_action = "Deny"

    ip_rule {
      action   = "Allow"
      ip_range = "198.51.100.7/32"
    }
  }
}

resource "azurerm_role_assignment" "kubelet_pull" {
  principal_id         = azurerm_kubernetes_cluster.aks.kubelet_identity[0].object_id
  role_definition_name = "AcrPull"
  scope                = azurerm_container_registry.acr.id
}

resource "azurerm_container_app" "app" {
  name                         = "app"
  container_app_environment_id = azurerm_container_app_environment.env.id
  resource_group_name          = azurerm_resource_group.rg.name
  revision_mode                = "Single"

  registry {
    server   = azurerm_container_registry.acr.login_server
    identity = azurerm_user_assigned_identity.app.id
  }

  template {
    container {
      name   = "app"
      image  = "${azurerm_container_registry.acr.login_server}/app:latest"
      cpu    = 0.25
      memory = "0.5Gi"
    }
  }
}

resource "azurerm_linux_web_app" "web" {
  name                = "web"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  service_plan_id     = azurerm_service_plan.plan.id

  site_config {
    application_stack {
      docker_image_name   = "web:latest"
      docker_registry_url = "https://${azurerm_container_registry.cache.login_server}"
    }
  }
}
