# Registry for the build agents.
resource "azurerm_container_registry" "acr" {
  name                = "contosoacr" # must be globally unique
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  /* Basic was enough
     for the pilot */
  sku = "Premium"

  // admin user off: agents use a managed identity
  admin_enabled = false

  network_rule_bypass_option = "AzureServices"

  network_rule_set {
    default_action = "Deny"
  }
}
